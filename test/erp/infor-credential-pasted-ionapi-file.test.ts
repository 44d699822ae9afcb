/**
 * The inforIonApi credential: a pasted .ionapi file, its token request, its errors (never echoing
 * a secret), and n8n's credential test — URL resolved by n8n's own expression engine, request
 * sent through n8n-core against the sandbox.
 */
import type { ICredentialDataDecryptedObject, IHttpRequestHelper, IHttpRequestOptions, INodeTypes } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { InforIonApi } from '../../credentials/InforIonApi.credentials';
import { parseIonApiFile } from '../../nodes/shared/erp/inforIcs/ionapi';
import { inforDemoIonApi } from '../../sandbox/erps/infor/simulator';
import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { n8nLikeContext, TEST_NODE } from './transport-n8n-context';

const FILE = { ti: 'ACME_PRD', cn: 'n8n', ci: 'ACME_PRD~ci', cs: 'cs-secret-1111', iu: 'https://gw.example.test', pu: 'https://sso.example.test/ACME_PRD/as/', ot: 'token.oauth2', oa: 'authorization.oauth2', or: 'revoke_token.oauth2', saak: 'ACME_PRD#sa', sask: 'sask-secret-2222' };

function tokenHelper(answer: (options: IHttpRequestOptions) => unknown) {
	const calls: IHttpRequestOptions[] = [];
	const helper = { helpers: { httpRequest: async (options: IHttpRequestOptions) => { calls.push(options); return answer(options); } } } as unknown as IHttpRequestHelper;
	return { helper, calls };
}

test('with a service account the password grant is posted form-encoded to {pu}{ot}', async () => {
	const { helper, calls } = tokenHelper(() => ({ access_token: 'at-1', expires_in: 7200 }));
	const output = await new InforIonApi().preAuthentication.call(helper, { ionapiFile: JSON.stringify(FILE) });
	expect(output).toEqual({ accessToken: 'at-1' });
	expect(calls[0].url).toBe('https://sso.example.test/ACME_PRD/as/token.oauth2');
	expect(calls[0].method).toBe('POST');
	expect(Object.fromEntries(calls[0].body as URLSearchParams)).toEqual({
		grant_type: 'password', username: 'ACME_PRD#sa', password: 'sask-secret-2222', client_id: 'ACME_PRD~ci', client_secret: 'cs-secret-1111',
	});
});

test('without saak/sask the client credentials grant is used', async () => {
	const { helper, calls } = tokenHelper(() => ({ access_token: 'at-2' }));
	const { saak: _saak, sask: _sask, ...withoutAccount } = FILE;
	await new InforIonApi().preAuthentication.call(helper, { ionapiFile: JSON.stringify(withoutAccount) });
	expect(Object.fromEntries(calls[0].body as URLSearchParams)).toEqual({ grant_type: 'client_credentials', client_id: 'ACME_PRD~ci', client_secret: 'cs-secret-1111' });
});

test.each([
	['an empty field', '', 'The .ionapi file is empty'],
	['not JSON (quoting the secret would leak it)', '{"cs": "cs-secret-1111", oops', 'The .ionapi file is not valid JSON'],
	['a list', '[]', 'must be a JSON object'],
	['missing cs and pu', JSON.stringify({ ...FILE, cs: undefined, pu: '' }), 'The .ionapi file lacks the fields cs, pu'],
])('a pasted file that is %s is refused naming the problem, without secrets', (_name, text, expected) => {
	let message = '';
	try {
		parseIonApiFile(text);
	} catch (error) {
		message = (error as Error).message;
	}
	expect(message).toContain(expected);
	expect(message).not.toContain('secret');
});

test('a token endpoint that answers without an access_token is an error', async () => {
	const { helper } = tokenHelper(() => ({ token_type: 'Bearer' }));
	await expect(new InforIonApi().preAuthentication.call(helper, { ionapiFile: JSON.stringify(FILE) })).rejects.toThrow('without an access_token');
});

test('authenticate sends the token as a Bearer header', () => {
	expect(new InforIonApi().authenticate.properties.headers).toEqual({ Authorization: '=Bearer {{$credentials.accessToken}}' });
});

describe("n8n's credential test against the sandbox", () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['infor'], seed: 3 });
	});
	afterAll(async () => {
		await sandbox?.stop();
	});

	/** Resolves the test request's baseURL as n8n's RoutingNode does: an expression over $credentials. */
	function resolveTestBaseUrl(credentials: ICredentialDataDecryptedObject): string {
		const nodeTypes = { getByNameAndVersion: () => ({ description: { properties: [] } }) } as unknown as INodeTypes;
		const workflow = new Workflow({ nodes: [TEST_NODE], connections: {}, active: false, nodeTypes });
		return String(
			workflow.expression.getSimpleParameterValue(TEST_NODE, new InforIonApi().test.request.baseURL as string, 'internal', { $credentials: credentials } as never),
		);
	}

	async function runCredentialTest(ionapi: Record<string, string>) {
		const credential = new InforIonApi();
		const n8n = n8nLikeContext(credential, { ionapiFile: JSON.stringify(ionapi) });
		const { request } = credential.test;
		return await n8n.fns.helpers.httpRequestWithAuthentication.call(n8n.fns, 'inforIonApi', {
			method: 'GET',
			baseURL: resolveTestBaseUrl(n8n.stored),
			url: request.url as string,
			qs: request.qs,
			json: true,
		});
	}

	test('the expression finds the tenant URL inside the pasted file', () => {
		expect(resolveTestBaseUrl({ ionapiFile: JSON.stringify({ ...FILE, iu: 'https://gw.example.test///' }) })).toBe('https://gw.example.test/ACME_PRD');
		expect(resolveTestBaseUrl({ ionapiFile: 'not json' })).toBe('');
	});

	test('passes with the demo file', async () => {
		await expect(runCredentialTest(inforDemoIonApi(sandbox.urls.infor))).resolves.toMatchObject({ items: [] });
	});

	test('fails with a clear message on a wrong service-account secret, and the secret is not in it', async () => {
		const error = await runCredentialTest({ ...inforDemoIonApi(sandbox.urls.infor), sask: 'wrong-sask-3333' }).catch((caught: unknown) => caught);
		const seen = JSON.stringify(error, Object.getOwnPropertyNames(error)) + String((error as Error).message);
		expect((error as Error).message).toMatch(/Authorization failed|rejected the credentials/);
		expect(seen).toContain('rejected the credentials');
		expect(seen).not.toContain('wrong-sask-3333');
		expect(seen).not.toContain(inforDemoIonApi(sandbox.urls.infor).cs);
	});
});
