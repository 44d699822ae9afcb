/**
 * The generic REST adapter and the genericErpApi credential: body and template mapping, the user's
 * "exists" statuses and id path, lookups by query or by path — against the sandbox's generic
 * simulator through n8n-core's real request path, and with a fake transport for the outcome table.
 */
import { GenericErpApi } from '../../credentials/GenericErpApi.credentials';
import { classifyGeneric, genericRestAdapter, resolveGenericSettings } from '../../nodes/shared/erp/genericRest/adapter';
import { createErpTransport } from '../../nodes/shared/erp/transport';
import type { ErpContext, HttpRequest, HttpResult, PostAttempt } from '../../nodes/shared/erp/types';
import { GENERIC_DEMO } from '../../sandbox/erps/generic/simulator';
import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { n8nLikeContext } from './transport-n8n-context';

const attempt = (n: number, reference = `REF-${n}`): PostAttempt => ({
	key: `k-${n}`,
	reference,
	invoice: { invoiceNumber: `INV-${n}`, invoiceDate: '2026-03-01', currency: 'EUR', amount: 10 + n, customerId: 'C1', erpFields: { ledger: 'AR' } },
	idempotencyHeader: { name: 'Idempotency-Key', value: `k-${n}` },
});

const response = (status: number, body?: unknown, headers: Record<string, string> = {}): HttpResult => ({ kind: 'response', status, headers, body });

describe('against the sandbox', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['generic'], seed: 5 });
	});
	afterAll(async () => {
		await sandbox?.stop();
	});
	beforeEach(() => {
		sandbox.setFaults('generic', {});
		sandbox.reset('generic');
	});

	function connect(credentials: Record<string, string>, settings = {}) {
		const n8n = n8nLikeContext(new GenericErpApi(), { baseUrl: sandbox.urls.generic, ...credentials });
		const ctx: ErpContext = { transport: createErpTransport(n8n.fns, 'genericErpApi'), credentials: n8n.stored, settings, requestTimeoutMs: 5000 };
		return ctx;
	}

	test.each<[string, Record<string, string>]>([
		['none', { authType: 'none' }],
		['header', { authType: 'header', headerName: GENERIC_DEMO.apiKeyHeader, headerValue: GENERIC_DEMO.apiKey }],
		['bearer', { authType: 'bearer', token: GENERIC_DEMO.bearerToken }],
		['basic', { authType: 'basic', username: GENERIC_DEMO.user, password: GENERIC_DEMO.password }],
	])('with %s auth an invoice is created once and found by its reference', async (auth, credentials) => {
		sandbox.setFaults('generic', { options: { auth } });
		const ctx = connect(credentials);

		const created = await genericRestAdapter.create(ctx, attempt(1));
		const found = await genericRestAdapter.findByReferences(ctx, ['REF-1', 'REF-2'], { lookbackDays: 30 });

		expect(created).toMatchObject({ outcome: 'created', httpStatus: 201 });
		expect(sandbox.truth('generic').invoices.map((invoice) => [invoice.id, invoice.reference])).toEqual([[created.erpId, 'REF-1']]);
		expect(sandbox.truth('generic').invoices[0].raw).toMatchObject({ externalReference: 'REF-1', ledger: 'AR', amount: 11 });
		expect(found.get('REF-1')?.map((invoice) => invoice.erpId)).toEqual([created.erpId]);
		expect(found.get('REF-2')).toEqual([]);
	});

	test('a wrong token fails permanently without showing it', async () => {
		sandbox.setFaults('generic', { options: { auth: 'bearer' } });
		const ctx = connect({ authType: 'bearer', token: 'wrong-token-4444' });
		const result = await genericRestAdapter.create(ctx, attempt(1));
		expect(result).toMatchObject({ outcome: 'permanent', httpStatus: 401 });
		expect(result.message).toContain('rejected the credentials');
		expect(JSON.stringify(result)).not.toContain('wrong-token-4444');
		expect(sandbox.truth('generic').invoices).toHaveLength(0);
	});

	test('an ERP that refuses a repeated reference with 409 gives "exists" with the id it names', async () => {
		sandbox.setFaults('generic', { options: { uniqueReference: true } });
		const ctx = connect({ authType: 'none' }, { nativeUniqueness: true });
		const first = await genericRestAdapter.create(ctx, attempt(1));
		const second = await genericRestAdapter.create(ctx, attempt(1));
		expect(second).toMatchObject({ outcome: 'exists', httpStatus: 409, erpId: first.erpId });
		expect(sandbox.truth('generic').invoices).toHaveLength(1);
		expect(genericRestAdapter.capabilities(ctx).nativeUniqueness).toBe(true);
	});

	test('a path-style lookup (/invoices/{reference}) reads a 404 as absent and encodes the reference', async () => {
		const ctx = connect({ authType: 'none' }, { lookupPath: '/invoices/{reference}' });
		await genericRestAdapter.create(ctx, attempt(1, 'A & C é'));
		const found = await genericRestAdapter.findByReferences(ctx, ['A & C é', 'absent'], { lookbackDays: 30 });
		expect(found.get('A & C é')).toHaveLength(1);
		expect(found.get('absent')).toEqual([]);
	});

	test('a query-style lookup on a wrong route throws instead of claiming the invoice is absent', async () => {
		const ctx = connect({ authType: 'none' }, { lookupPath: '/nowhere?reference={reference}' });
		await expect(genericRestAdapter.findByReferences(ctx, ['REF-1'], { lookbackDays: 30 })).rejects.toMatchObject({ name: 'ErpLookupError', retryable: false });
	});

	test('a create that commits and then times out is ambiguous, and the lookup finds it', async () => {
		sandbox.setFaults('generic', { schedule: [{ write: 1, fault: 'commitThenTimeout' }] });
		const ctx = { ...connect({ authType: 'none' }), requestTimeoutMs: 2000 };
		expect((await genericRestAdapter.create(ctx, attempt(1))).outcome).toBe('ambiguous');
		const found = await genericRestAdapter.findByReferences(ctx, ['REF-1'], { lookbackDays: 30 });
		expect(found.get('REF-1')).toHaveLength(1);
	});
});

describe('with a fake transport', () => {
	function fake(answer: HttpResult, settings = {}) {
		const sent: HttpRequest[] = [];
		const ctx: ErpContext = {
			transport: { send: async (request) => (sent.push(request), answer) },
			credentials: { baseUrl: 'https://erp.example.test/api/', authType: 'none' },
			settings,
			requestTimeoutMs: 1000,
		};
		return { ctx, sent };
	}

	test('the body template is filled per invoice and erpFields are merged on top; PUT to a path with the reference', async () => {
		const template = JSON.stringify({ doc: { no: '{invoice.invoiceNumber}', ref: '{reference}', total: '{invoice.amount}', note: 'key {key} for {reference}' } });
		const { ctx, sent } = fake(response(200, { data: { id: 'X1' } }), { bodyTemplate: template, createMethod: 'PUT', createPath: '/docs/{reference}', idPath: 'data.id' });

		const result = await genericRestAdapter.create(ctx, attempt(1, 'R 1 é'));

		expect(result).toMatchObject({ outcome: 'created', erpId: 'X1' });
		expect(sent[0]).toMatchObject({ method: 'PUT', url: 'https://erp.example.test/api/docs/R%201%20%C3%A9', headers: { 'Idempotency-Key': 'k-1' } });
		expect(sent[0].body).toEqual({ doc: { no: 'INV-1', ref: 'R 1 é', total: 11, note: 'key k-1 for R 1 é' }, ledger: 'AR' });
	});

	test('a template that is not a JSON object fails the invoice permanently before sending', async () => {
		const { ctx, sent } = fake(response(201, { id: 1 }), { bodyTemplate: '{ nope' });
		expect(await genericRestAdapter.create(ctx, attempt(1))).toMatchObject({ outcome: 'permanent', message: 'The Body Template setting must be a JSON object' });
		expect(sent).toHaveLength(0);
	});

	test.each<[string, HttpResult, string]>([
		['201 with id', response(201, { id: 5 }), 'created'],
		['204 without body', response(204), 'ambiguous'],
		['409', response(409, { message: 'dup' }), 'exists'],
		['422 validation', response(422, { errors: [{ message: 'amount is invalid' }] }), 'permanent'],
		['401', response(401), 'permanent'],
		['429', response(429, undefined, { 'retry-after': '4' }), 'retryable'],
		// A proxy's bare 503/408 may follow a forward: verify. The ERP's own JSON error: nothing was stored.
		['503 without the ERP\'s error body', response(503), 'ambiguous'],
		['503 from a proxy (HTML)', response(503, '<html>Service Unavailable</html>'), 'ambiguous'],
		['408 without the ERP\'s error body', response(408), 'ambiguous'],
		['503 with the ERP\'s error body', response(503, { error: 'maintenance', message: 'Down for maintenance' }), 'retryable'],
		['500', response(500), 'ambiguous'],
		['504', response(504), 'ambiguous'],
		['timeout', { kind: 'failure', code: 'timeout', sent: true, message: 't' }, 'ambiguous'],
		['refused', { kind: 'failure', code: 'refused', sent: false, message: 'r' }, 'retryable'],
	])('%s → %s', (_name, answer, outcome) => {
		expect(genericRestAdapter.classify(answer).outcome).toBe(outcome);
	});

	test('the user\'s exists statuses replace 409', () => {
		const settings = resolveGenericSettings({ existsStatuses: '422, 200' });
		expect(classifyGeneric(response(422, { id: 'E1' }), settings)).toMatchObject({ outcome: 'exists', erpId: 'E1' });
		expect(classifyGeneric(response(409), settings).outcome).toBe('permanent');
		expect(classifyGeneric(response(429, {}, { 'retry-after': '4' }), settings).retryAfterMs).toBe(4000);
	});

	test('lookup items are read at the configured path and matched on the reference field', async () => {
		const { ctx, sent } = fake(
			response(200, { result: { rows: [{ key: 'X1', ref: 'R1' }, { key: 'X2', ref: 'R9' }] } }),
			{ lookupItemsPath: 'result.rows', referenceField: 'ref', idPath: 'key', lookupPath: '/search?q={reference}' },
		);
		const found = await genericRestAdapter.findByReferences(ctx, ['R1'], { lookbackDays: 30 });
		expect(found.get('R1')?.map((invoice) => invoice.erpId)).toEqual(['X1']);
		expect(sent[0].url).toBe('https://erp.example.test/api/search?q=R1');
	});
});
