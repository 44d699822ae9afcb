/**
 * Issue: n8n's request helper follows a `307 Location: <other origin>` and re-attaches Authorization,
 * basic auth and custom auth headers. Here every ERP, every login and every credential test meets an
 * ERP that redirects to another loopback host: that host must receive nothing at all (so no token, API
 * key, password, session or .ionapi secret), and no invoice may come back as created.
 * Requests go through n8n-core's real httpRequestWithAuthentication (axios, OAuth2 signing included).
 */
import { httpRequest } from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';
import type { ICredentialDataDecryptedObject, ICredentialType, IHttpRequestOptions, INodeTypes } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { Dynamics365Api } from '../../credentials/Dynamics365Api.credentials';
import { ErplyApi } from '../../credentials/ErplyApi.credentials';
import { FreeAgentOAuth2Api } from '../../credentials/FreeAgentOAuth2Api.credentials';
import { GenericErpApi } from '../../credentials/GenericErpApi.credentials';
import { InforIonApi } from '../../credentials/InforIonApi.credentials';
import { MendixApi } from '../../credentials/MendixApi.credentials';
import { forgetErplySessions } from '../../nodes/shared/erp/erply/session';
import { erpEntry } from '../../nodes/shared/erp/registry';
import { createErpTransport } from '../../nodes/shared/erp/transport';
import type { ErpContext, ErpName, PostAttempt } from '../../nodes/shared/erp/types';
import { n8nLikeContext, TEST_NODE } from '../erp/transport-n8n-context';
import { runWorkflow, TestCredentialsHelper } from '../helpers/n8n-harness';
import { failureReasons, invoices, postWorkflow, routed } from '../posting/helpers';
import { startRedirectPair, type RedirectPair } from './redirects-servers';

const SECRET = {
	bearer: 'bearer-secret-7f3a',
	apiKey: 'api-key-secret-91c2',
	basicPassword: 'basic-password-4d8e',
	mendixPassword: 'mendix-password-2b6f',
	mendixHeader: 'mendix-header-secret-8a1d',
	inforCs: 'infor-client-secret-5e9b',
	inforSask: 'infor-sask-secret-3c7a',
	inforToken: 'infor-access-token-6d2f',
	erplyPassword: 'erply-password-9e4b',
	erplySession: 'erply-session-secret-1f8c',
	dataverseToken: 'dataverse-token-secret-7b3e',
	freeAgentToken: 'freeagent-token-secret-4a9d',
};

let pair: RedirectPair;
beforeAll(async () => {
	pair = await startRedirectPair();
});
afterAll(async () => await pair?.close());
beforeEach(() => {
	pair.status = 307;
	pair.hostile.received.length = 0;
	pair.other.received.length = 0;
	forgetErplySessions();
});

const attempt: PostAttempt = {
	key: 'acme-INV-1',
	reference: 'REF-1',
	invoice: {
		invoiceNumber: 'INV-1',
		invoiceDate: '2026-03-01',
		currency: 'EUR',
		amount: 10,
		customerId: 'C1',
		vendorAccount: 'V1',
		contactUrl: 'https://api.freeagent.com/v2/contacts/1',
		transactionId: 'T-1',
	},
	idempotencyHeader: { name: 'Idempotency-Key', value: '"acme-INV-1"' },
};

interface Case {
	name: string;
	erp: ErpName;
	type: ICredentialType;
	data: () => ICredentialDataDecryptedObject;
	secrets: string[];
}

const ionapi = (accessToken: string) => ({
	ionapiFile: JSON.stringify({ ti: 'ACME', ci: 'client-id', cs: SECRET.inforCs, iu: pair.hostile.url, pu: `${pair.hostile.url}/auth/`, ot: 'token.oauth2', saak: 'saak-id', sask: SECRET.inforSask }),
	accessToken,
});

const CASES: Case[] = [
	{ name: 'generic REST, bearer token', erp: 'genericRest', type: new GenericErpApi(), data: () => ({ baseUrl: pair.hostile.url, authType: 'bearer', token: SECRET.bearer }), secrets: [SECRET.bearer] },
	{ name: 'generic REST, API key header', erp: 'genericRest', type: new GenericErpApi(), data: () => ({ baseUrl: pair.hostile.url, authType: 'header', headerName: 'X-API-Key', headerValue: SECRET.apiKey }), secrets: [SECRET.apiKey] },
	{ name: 'generic REST, basic auth', erp: 'genericRest', type: new GenericErpApi(), data: () => ({ baseUrl: pair.hostile.url, authType: 'basic', username: 'erp-user', password: SECRET.basicPassword }), secrets: [SECRET.basicPassword, Buffer.from(`erp-user:${SECRET.basicPassword}`).toString('base64')] },
	{
		name: 'Mendix, basic auth and custom header',
		erp: 'mendix',
		type: new MendixApi(),
		data: () => ({ baseUrl: pair.hostile.url, username: 'robot', password: SECRET.mendixPassword, customHeaderName: 'X-Api-Key', customHeaderSecret: SECRET.mendixHeader }),
		secrets: [SECRET.mendixPassword, SECRET.mendixHeader],
	},
	{ name: 'Infor, with a stored access token', erp: 'inforIcs', type: new InforIonApi(), data: () => ionapi(SECRET.inforToken), secrets: [SECRET.inforToken, SECRET.inforCs, SECRET.inforSask] },
	{ name: 'Infor, token call (login) redirected', erp: 'inforIcs', type: new InforIonApi(), data: () => ionapi(''), secrets: [SECRET.inforCs, SECRET.inforSask] },
	{
		name: 'Erply, with a live session',
		erp: 'erply',
		type: new ErplyApi(),
		data: () => ({ clientCode: '123456', username: 'api', password: SECRET.erplyPassword, baseUrl: `${pair.hostile.url}/api/`, sessionKey: SECRET.erplySession }),
		secrets: [SECRET.erplyPassword, SECRET.erplySession],
	},
	{
		name: 'Erply, login (verifyUser) redirected',
		erp: 'erply',
		type: new ErplyApi(),
		data: () => ({ clientCode: '123456', username: 'api', password: SECRET.erplyPassword, baseUrl: `${pair.hostile.url}/api/`, sessionKey: '' }),
		secrets: [SECRET.erplyPassword],
	},
	{
		name: 'Dynamics 365, OAuth2 bearer',
		erp: 'dynamics365',
		type: new Dynamics365Api(),
		data: () => ({ environmentUrl: pair.hostile.url, tenantId: 't', clientId: 'c', clientSecret: 's', grantType: 'clientCredentials', oauthTokenData: { access_token: SECRET.dataverseToken, token_type: 'bearer' } }),
		secrets: [SECRET.dataverseToken],
	},
	{
		name: 'FreeAgent, OAuth2 bearer',
		erp: 'freeAgent',
		type: new FreeAgentOAuth2Api(),
		data: () => ({ environment: 'custom', baseUrl: pair.hostile.url, grantType: 'authorizationCode', oauthTokenData: { access_token: SECRET.freeAgentToken, refresh_token: 'r', token_type: 'bearer' } }),
		secrets: [SECRET.freeAgentToken],
	},
];

function connect(testCase: Case): ErpContext {
	const n8n = n8nLikeContext(testCase.type, testCase.data());
	const adapter = erpEntry(testCase.erp)!.adapter;
	return { transport: createErpTransport(n8n.fns, adapter.credentialType), credentials: n8n.stored, settings: {}, requestTimeoutMs: 5000 };
}

describe('a redirect is an answer, never followed with credentials', () => {
	it('proof the attack is real: n8n itself follows a 307 to another origin with the Authorization header', async () => {
		const options: IHttpRequestOptions = { method: 'POST', url: `${pair.hostile.url}/invoices`, headers: { Authorization: `Bearer ${SECRET.bearer}` }, body: { a: 1 }, json: true };
		await httpRequest(options);
		expect(pair.other.text()).toContain(SECRET.bearer);
	});

	describe.each(CASES)('$name', (testCase) => {
		it.each([307, 308, 302, 303])('a create answered %i: the other host receives nothing and the invoice is not created', async (status) => {
			pair.status = status;
			const adapter = erpEntry(testCase.erp)!.adapter;
			const result = await adapter.create(connect(testCase), attempt);

			expect(pair.hostile.received.length).toBeGreaterThan(0);
			expect(pair.other.received).toEqual([]);
			expect(result.outcome).not.toBe('created');
			expect(result.outcome).not.toBe('exists');
			expect(result.erpId).toBeUndefined();
			// 307/308 mean "not processed here": refused for the user to fix the URL. Others may follow a processed POST.
			// A login that is redirected posted nothing: permanent whatever the 3xx.
			const notProcessed = status === 307 || status === 308 || /login/.test(testCase.name);
			expect(result.outcome).toEqual(notProcessed ? 'permanent' : expect.stringMatching(/^(ambiguous|permanent)$/));
			expect(result.message).toMatch(new RegExp(`HTTP ${status}`));
			for (const secret of testCase.secrets) expect(JSON.stringify(result)).not.toContain(secret);
		});

		it('a lookup answered 307 is no answer: it throws instead of reading absent, and the other host receives nothing', async () => {
			const adapter = erpEntry(testCase.erp)!.adapter;
			await expect(adapter.findByReferences(connect(testCase), ['REF-1'], { lookbackDays: 30 })).rejects.toMatchObject({
				name: 'ErpLookupError',
				retryable: false,
				message: expect.stringMatching(/HTTP 307/),
			});
			expect(pair.other.received).toEqual([]);
		});
	});

	it('a batch answered 307 (Infor, Dataverse) creates nothing and sends nothing elsewhere', async () => {
		for (const testCase of CASES.filter((entry) => entry.name === 'Infor, with a stored access token' || entry.erp === 'dynamics365')) {
			const adapter = erpEntry(testCase.erp)!.adapter;
			const results = await adapter.createBatch!(connect(testCase), [attempt, { ...attempt, key: 'k2', reference: 'REF-2' }]);
			expect(results.map((result) => result.outcome)).toEqual(['permanent', 'permanent']);
		}
		expect(pair.other.received).toEqual([]);
	});
});

describe('through the Post node', () => {
	it.each([
		[307, 'generic REST that enforces uniqueness (no lookup first)', { genericRestSettings: { nativeUniqueness: true } }],
		[303, 'generic REST with the lookup first', {}],
	])('%i from %s: every invoice leaves by Failed with the redirect named, none recorded as posted', async (status, _name, extra) => {
		pair.status = status;
		const input = invoices(3, `R${status}`);
		const credentials = new TestCredentialsHelper({ genericErpApi: { baseUrl: pair.hostile.url, authType: 'bearer', token: SECRET.bearer } });
		const run = await runWorkflow({ workflow: postWorkflow('genericRest', 'genericErpApi', { maxAttempts: 1 }, extra), input, credentials });

		const out = routed(run);
		expect(out.posted).toHaveLength(0);
		expect(out.existed).toHaveLength(0);
		expect(out.failed).toHaveLength(3);
		for (const reason of failureReasons(out.failed)) expect(String(reason)).toMatch(new RegExp(`HTTP ${status}`));
		expect(JSON.stringify(run.staticData)).not.toContain('STOLEN');
		expect(JSON.stringify(run.staticData)).not.toMatch(/"POSTED"|posted/);
		expect(pair.other.received).toEqual([]);
		expect(JSON.stringify(run.run)).not.toContain(SECRET.bearer);
	});
});

/** n8n resolves the test request's expressions against the stored credential before sending it. */
function resolved(value: unknown, credentials: ICredentialDataDecryptedObject): string {
	if (typeof value !== 'string') return '';
	const nodeTypes = { getByNameAndVersion: () => ({ description: { properties: [] } }) } as unknown as INodeTypes;
	const workflow = new Workflow({ nodes: [TEST_NODE], connections: {}, active: false, nodeTypes });
	return String(workflow.expression.getSimpleParameterValue(TEST_NODE, value, 'internal', { $credentials: credentials } as never));
}

describe('credential tests never follow a redirect', () => {
	it.each(CASES)('$name: the test fails and the other host receives nothing', async (testCase) => {
		const n8n = n8nLikeContext(testCase.type, testCase.data());
		const { request } = testCase.type.test!;
		// Our test requests set it; n8n's credential tester passes the request options on as they are.
		expect(request.disableFollowRedirect).toBe(true);
		const outcome = await n8n.fns.helpers.httpRequestWithAuthentication
			.call(n8n.fns, testCase.type.name, {
				method: request.method ?? 'GET',
				baseURL: resolved(request.baseURL, n8n.stored),
				url: resolved(request.url, n8n.stored),
				qs: request.qs,
				headers: request.headers,
				body: request.body,
				json: true,
				disableFollowRedirect: request.disableFollowRedirect,
			})
			.then(
				() => 'passed',
				() => 'failed',
			);
		expect(outcome).toBe('failed');
		expect(pair.hostile.received.length).toBeGreaterThan(0);
		expect(pair.other.received).toEqual([]);
	});
});
