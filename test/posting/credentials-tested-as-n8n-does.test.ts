/**
 * Both credential types through n8n's credential-test sequence (preAuthentication, authenticate, then
 * the type's `test` request, URL resolved by n8n's expression engine), and a scan of everything a
 * workflow run leaves behind for the secrets it used.
 */
import type { ICredentialDataDecryptedObject, ICredentialType, IDataObject, INodeTypes } from 'n8n-workflow';
import { Workflow } from 'n8n-workflow';

import { GenericErpApi } from '../../credentials/GenericErpApi.credentials';
import { InforIonApi } from '../../credentials/InforIonApi.credentials';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { startSandbox, type Sandbox } from '../../sandbox';
import { GENERIC_DEMO } from '../../sandbox/erps/generic/simulator';
import { inforDemoIonApi } from '../../sandbox/erps/infor/simulator';
import { n8nLikeContext, TEST_NODE } from '../erp/transport-n8n-context';
import { runWorkflow, TestCredentialsHelper } from '../helpers/n8n-harness';
import { invoices, postWorkflow, routed } from './helpers';

const WRONG_SASK = 'wrong-sask-5150';
const WRONG_TOKEN = 'wrong-bearer-6160';

/** n8n resolves the test request's expressions against the stored credential before sending it. */
function resolved(value: unknown, credentials: ICredentialDataDecryptedObject): string {
	const nodeTypes = { getByNameAndVersion: () => ({ description: { properties: [] } }) } as unknown as INodeTypes;
	const workflow = new Workflow({ nodes: [TEST_NODE], connections: {}, active: false, nodeTypes });
	return String(workflow.expression.getSimpleParameterValue(TEST_NODE, value as string, 'internal', { $credentials: credentials } as never));
}

async function credentialTest(type: ICredentialType, data: ICredentialDataDecryptedObject): Promise<{ ok: true } | { ok: false; message: string; seen: string }> {
	const n8n = n8nLikeContext(type, data);
	const { request } = type.test!;
	try {
		await n8n.fns.helpers.httpRequestWithAuthentication.call(n8n.fns, type.name, {
			method: 'GET',
			baseURL: resolved(request.baseURL, n8n.stored),
			url: resolved(request.url, n8n.stored),
			qs: request.qs,
			json: true,
		});
		return { ok: true };
	} catch (error) {
		return { ok: false, message: (error as Error).message, seen: JSON.stringify(error, Object.getOwnPropertyNames(error)) };
	}
}

describe('credential tests and secrets, against the sandbox', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['infor', 'generic'], seed: 6 });
		sandbox.setFaults('generic', { options: { auth: 'bearer' } });
	});
	afterAll(async () => await sandbox.stop());

	const inforFile = (overrides: Record<string, string> = {}) => ({ ionapiFile: JSON.stringify({ ...inforDemoIonApi(sandbox.urls.infor), ...overrides }) });
	const generic = (token: string) => ({ baseUrl: sandbox.urls.generic, authType: 'bearer', token, testPath: '/invoices' });

	it('inforIonApi passes with the demo file and fails clearly on a wrong service-account secret', async () => {
		expect(await credentialTest(new InforIonApi(), inforFile())).toEqual({ ok: true });
		const wrong = await credentialTest(new InforIonApi(), inforFile({ sask: WRONG_SASK }));
		expect(wrong.ok).toBe(false);
		if (wrong.ok) return;
		// n8n shows its own 401 text; the credential's reason travels in the error's details.
		expect(wrong.message).toMatch(/Authorization failed|rejected the credentials/);
		expect(wrong.seen).toContain('rejected the credentials');
		expect(wrong.seen).not.toContain(WRONG_SASK);
		expect(wrong.seen).not.toContain(inforDemoIonApi(sandbox.urls.infor).cs);
	});

	it('genericErpApi passes with the right token and fails clearly on a wrong one', async () => {
		expect(await credentialTest(new GenericErpApi(), generic(GENERIC_DEMO.bearerToken))).toEqual({ ok: true });
		const wrong = await credentialTest(new GenericErpApi(), generic(WRONG_TOKEN));
		expect(wrong.ok).toBe(false);
		if (wrong.ok) return;
		expect(wrong.message).toMatch(/Authorization failed|credentials/i);
		expect(wrong.seen).not.toContain(WRONG_TOKEN);
	});

	it('no secret appears in a run with a wrong and a right secret: outputs, errors, hints, static data, request log', async () => {
		clearRegistry();
		sandbox.reset();
		const secrets: string[] = [WRONG_SASK, WRONG_TOKEN, GENERIC_DEMO.bearerToken, inforDemoIonApi(sandbox.urls.infor).cs, inforDemoIonApi(sandbox.urls.infor).sask];
		const runs: string[] = [];
		const issuedTokens: string[] = [];
		for (const sask of [WRONG_SASK, inforDemoIonApi(sandbox.urls.infor).sask]) {
			const credentials = new TestCredentialsHelper({ inforIonApi: inforFile({ sask }) });
			const run = await runWorkflow({ workflow: postWorkflow('inforIcs', 'inforIonApi', { maxAttempts: 1 }), input: invoices(2, `I${sask.length}`), credentials });
			runs.push(JSON.stringify(run.run), JSON.stringify(run.staticData));
			const token = credentials.stored.get('inforIonApi')?.accessToken;
			if (typeof token === 'string' && token !== '') issuedTokens.push(token);
		}
		for (const token of [WRONG_TOKEN, GENERIC_DEMO.bearerToken]) {
			const credentials = new TestCredentialsHelper({ genericErpApi: generic(token) });
			const run = await runWorkflow({ workflow: postWorkflow('genericRest', 'genericErpApi', { maxAttempts: 1 }), input: invoices(2, `G${token.length}`), credentials });
			runs.push(JSON.stringify(run.run), JSON.stringify(run.staticData));
			const out = routed(run);
			// The wrong token fails both invoices by Failed with the ERP's reason (the lookup before post is refused); the right one posts them.
			if (token === WRONG_TOKEN) expect(out.failed.map((item) => String((item.json.idempotency as IDataObject).error))).toEqual([expect.stringMatching(/HTTP 401: Missing or invalid credentials/), expect.stringMatching(/HTTP 401: Missing or invalid credentials/)]);
			else expect(out.posted).toHaveLength(2);
		}
		expect(issuedTokens).toHaveLength(1);
		const everything = [...runs, JSON.stringify(sandbox.requestLog())].join('\n');
		for (const secret of [...secrets, ...issuedTokens]) expect(everything.includes(secret) ? secret : 'absent').toBe('absent');
		// The wrong Infor secret made its run fail: its message says so without the secret.
		expect(runs[0]).toMatch(/rejected the credentials|Authorization failed/);
	});
});
