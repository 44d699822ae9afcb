import { Dynamics365Api } from '../../credentials/Dynamics365Api.credentials';
import { startSandbox, type Sandbox } from '../../sandbox';
import { sandboxCredential } from './dataverse-sandbox-helpers';
import { OAuth2ClientCredentialsTransport, credentialTestRequest } from './dynamics365-transport';

describe('the Dynamics 365 credential connects with client credentials', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['dataverse'] });
	});
	afterAll(async () => {
		await sandbox?.stop();
	});

	it('derives the token URL from the authority and tenant, and the scope from the environment', () => {
		const credential = sandboxCredential(sandbox, { authorityUrl: 'https://login.microsoftonline.com/', environmentUrl: 'https://contoso.crm4.dynamics.com/' });
		expect(credential.accessTokenUrl).toBe('https://login.microsoftonline.com/sandbox-tenant/oauth2/v2.0/token');
		expect(credential.scope).toBe('https://contoso.crm4.dynamics.com/.default');
		expect(credential.grantType).toBe('clientCredentials');
	});

	it('its test request passes against the sandbox', async () => {
		const credential = sandboxCredential(sandbox);
		const answer = await new OAuth2ClientCredentialsTransport(credential).send(credentialTestRequest(new Dynamics365Api(), credential));
		expect(answer).toMatchObject({ kind: 'response', status: 200 });
	});

	it('a wrong secret fails clearly, and the secret appears nowhere', async () => {
		const wrongSecret = 'not-the-secret-5f2e';
		const credential = sandboxCredential(sandbox, { clientSecret: wrongSecret });
		const answer = await new OAuth2ClientCredentialsTransport(credential).send(credentialTestRequest(new Dynamics365Api(), credential));
		expect(answer).toMatchObject({ kind: 'response', status: 401 });
		const text = JSON.stringify(answer);
		expect(text).toContain('Invalid client secret');
		expect(text).not.toContain(wrongSecret);
		const log = JSON.stringify(sandbox.requestLog('dataverse'));
		expect(log).not.toContain(wrongSecret);
		expect(log).not.toContain('sandbox-secret');
	});

	it('an expired token is fetched again once and the request goes through', async () => {
		sandbox.setFaults('dataverse', { tokenTtlMs: 60_000 });
		const credential = sandboxCredential(sandbox);
		const transport = new OAuth2ClientCredentialsTransport(credential);
		const request = credentialTestRequest(new Dynamics365Api(), credential);
		expect(await transport.send(request)).toMatchObject({ status: 200 });
		sandbox.advanceClock(61_000);
		expect(await transport.send(request)).toMatchObject({ status: 200 });
		expect(transport.tokenRequests).toBe(2);
		sandbox.setFaults('dataverse', {});
	});
});
