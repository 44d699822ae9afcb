import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { freeAgent, getWithoutUserAgent, invoiceBody, signIn, tokenRequest } from './freeagent-helpers';

describe('FreeAgent: an OAuth2 connection whose access token expires and whose refresh token rotates', () => {
	let sandbox: Sandbox;
	let base: string;

	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['freeagent'], clock: 'manual' });
		base = sandbox.urls.freeagent;
	});
	afterAll(() => sandbox.stop());
	beforeEach(() => sandbox.reset('freeagent'));

	it('issues a one-hour bearer token for an authorization code, and the code works only once', async () => {
		const tokens = await signIn(base);
		expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
		expect(tokens.refresh_token).toEqual(expect.any(String));
		expect((await freeAgent(base, tokens.access_token, '/v2/invoices?view=all')).status).toBe(200);
	});

	it('answers 401 after an hour on the sandbox clock; a refresh gives a new refresh token and spends the old one', async () => {
		const tokens = await signIn(base);
		sandbox.advanceClock(3_600_001);
		const expired = await freeAgent(base, tokens.access_token, '/v2/invoices', { method: 'POST', body: invoiceBody('R-1') });
		expect(expired.status).toBe(401);
		expect(sandbox.truth('freeagent').invoices).toHaveLength(0);

		const refreshed = await tokenRequest(base, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
		expect(refreshed.status).toBe(200);
		const next = (await refreshed.json()) as { access_token: string; refresh_token: string };
		expect(next.refresh_token).not.toBe(tokens.refresh_token);
		expect((await freeAgent(base, next.access_token, '/v2/invoices', { method: 'POST', body: invoiceBody('R-1') })).status).toBe(201);

		const reused = await tokenRequest(base, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
		expect(reused.status).toBe(400);
		expect(((await reused.json()) as { error: string }).error).toBe('invalid_grant');
	});

	it('refuses a wrong client secret with 401 invalid_client', async () => {
		const response = await tokenRequest(base, { grant_type: 'refresh_token', refresh_token: 'whatever' }, 'wrong-secret');
		expect(response.status).toBe(401);
		expect(((await response.json()) as { error: string }).error).toBe('invalid_client');
	});

	it('answers 400 to an API call without a User-Agent header', async () => {
		const tokens = await signIn(base);
		const response = await getWithoutUserAgent(`${base}/v2/invoices`, tokens.access_token);
		expect(response.status).toBe(400);
		expect(JSON.parse(response.body).errors[0].message).toContain('User-Agent');
	});
});
