/**
 * The Infor adapter with a fake transport: what it sends (body, headers, URL from the .ionapi file)
 * and how every answer of the AR REST API is reduced to an outcome.
 */
import { inforIcsAdapter } from '../../nodes/shared/erp/inforIcs/adapter';
import type { ErpContext, HttpRequest, HttpResult, PostAttempt } from '../../nodes/shared/erp/types';

const IONAPI = { ti: 'ACME_PRD', ci: 'ACME_PRD~client', cs: 'client-secret-1234', iu: 'https://gw.example.test/', pu: 'https://sso.example.test/as/', ot: 'token.oauth2', saak: 'ACME_PRD#sa', sask: 'sa-secret-5678' };

function fake(answers: HttpResult[] | ((request: HttpRequest) => HttpResult), settings = {}) {
	const sent: HttpRequest[] = [];
	const ctx: ErpContext = {
		transport: {
			send: async (request) => {
				sent.push(request);
				return typeof answers === 'function' ? answers(request) : answers[sent.length - 1];
			},
		},
		credentials: { ionapiFile: JSON.stringify(IONAPI), accessToken: 'tok' },
		settings,
		requestTimeoutMs: 30000,
	};
	return { ctx, sent };
}

const response = (status: number, body?: unknown, headers: Record<string, string> = {}): HttpResult => ({ kind: 'response', status, headers, body });

const attempt: PostAttempt = {
	key: 'acme-2026-03-01-INV-1',
	reference: 'REF-1',
	invoice: {
		invoiceNumber: 'INV-1',
		invoiceDate: '2026-03-01',
		currency: 'EUR',
		amount: 12.5,
		customerId: 'C1',
		customerName: 'Acme',
		lines: [{ description: 'Work', quantity: 1, unitPrice: 12.5 }],
		erpFields: { division: '100' },
	},
	idempotencyHeader: { name: 'Idempotency-Key', value: 'acme-2026-03-01-INV-1' },
};

test('create posts the mapped invoice to {iu}/{ti}/ICS/api/v1/invoices with the key as correlation id', async () => {
	const { ctx, sent } = fake([response(201, { id: 9001, invoiceNumber: 'INV-1', externalReference: 'REF-1', status: 'CREATED', huge: 'x'.repeat(1000) })]);

	const result = await inforIcsAdapter.create(ctx, attempt);

	expect(result).toEqual({ outcome: 'created', erpId: '9001', httpStatus: 201, response: { id: 9001, invoiceNumber: 'INV-1', externalReference: 'REF-1', status: 'CREATED' } });
	expect(sent[0]).toMatchObject({
		method: 'POST',
		url: 'https://gw.example.test/ACME_PRD/ICS/api/v1/invoices',
		headers: { 'X-Correlation-ID': 'acme-2026-03-01-INV-1', 'Idempotency-Key': 'acme-2026-03-01-INV-1' },
		timeoutMs: 30000,
	});
	// erpFields add to the mapped fields (never replace one); absent canonical fields are not sent.
	expect(sent[0].body).toEqual({
		invoiceNumber: 'INV-1', externalReference: 'REF-1', customerId: 'C1', customerName: 'Acme', invoiceDate: '2026-03-01',
		currency: 'EUR', amount: 12.5, lines: [{ description: 'Work', quantity: 1, unitPrice: 12.5 }], division: '100',
	});
});

test('a configured base path replaces the default one', async () => {
	const { ctx, sent } = fake([response(201, { id: 1 })], { basePath: '/CUSTOM/ar/v2/' });
	await inforIcsAdapter.create(ctx, { ...attempt, idempotencyHeader: undefined });
	expect(sent[0].url).toBe('https://gw.example.test/ACME_PRD/CUSTOM/ar/v2/invoices');
	expect(sent[0].headers).toEqual({ 'X-Correlation-ID': attempt.key });
});

test.each<[string, HttpResult, string, Record<string, unknown>]>([
	['201 without an id', response(201, {}), 'ambiguous', {}],
	['400 validation', response(400, { error: { code: 'VALIDATION_ERROR', message: 'currency must be an ISO 4217 code' } }), 'permanent', { message: 'Infor refused the invoice (HTTP 400): VALIDATION_ERROR: currency must be an ISO 4217 code' }],
	['401 after the refresh', response(401, { error: { code: 'UNAUTHORIZED', message: 'Missing or invalid access token' } }), 'permanent', { message: 'Infor rejected the credentials (HTTP 401): UNAUTHORIZED: Missing or invalid access token' }],
	['403', response(403, 'Forbidden'), 'permanent', { message: 'Infor refused the invoice (HTTP 403): Forbidden' }],
	['409', response(409, { message: 'exists' }), 'exists', {}],
	['429 with Retry-After', response(429, { error: 'quota' }, { 'retry-after': '3' }), 'retryable', { retryAfterMs: 3000 }],
	['500', response(500, { error: { code: 'INTERNAL_ERROR', message: 'boom' } }), 'ambiguous', {}],
	['502', response(502), 'ambiguous', {}],
	// A gateway's bare 503 may come after it forwarded (no uniqueness on Infor): verify. Infor's own refusal: retry.
	['503 without Infor\'s error body', response(503), 'ambiguous', {}],
	['503 with Infor\'s error body', response(503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'AR service is starting' } }), 'retryable', {}],
	['504 from the gateway', response(504), 'ambiguous', { httpStatus: 504 }],
	['a timeout', { kind: 'failure', code: 'timeout', sent: true, message: 't' }, 'ambiguous', {}],
	['a reset after sending', { kind: 'failure', code: 'reset', sent: true, message: 'r' }, 'ambiguous', {}],
	['a refused connection', { kind: 'failure', code: 'refused', sent: false, message: 'c' }, 'retryable', {}],
])('%s → %s', async (_name, answer, outcome, extra) => {
	const { ctx } = fake([answer]);
	expect(await inforIcsAdapter.create(ctx, attempt)).toMatchObject({ outcome, ...extra });
	expect(inforIcsAdapter.classify(answer).outcome).toBe(outcome);
});

test('a batch answer is read per invoice, by index, and an unlisted invoice is ambiguous', async () => {
	const attempts = [1, 2, 3].map((n) => ({ ...attempt, key: `k${n}`, reference: `REF-${n}` }));
	const { ctx, sent } = fake([
		response(200, { results: [
			{ index: 1, externalReference: 'REF-2', status: 'ERROR', error: 'Internal processing error' },
			{ index: 0, externalReference: 'REF-1', id: 11, status: 'CREATED' },
		] }),
	]);

	const results = await inforIcsAdapter.createBatch!(ctx, attempts);

	expect(results.map((result) => result.outcome)).toEqual(['created', 'permanent', 'ambiguous']);
	expect(results[0].erpId).toBe('11');
	expect(results[1].message).toBe('Infor rejected the invoice in the batch: Internal processing error');
	expect(sent[0].url).toBe('https://gw.example.test/ACME_PRD/ICS/api/v1/invoices/batch');
	expect((sent[0].body as { invoices: unknown[] }).invoices).toHaveLength(3);
	expect(sent[0].headers?.['X-Correlation-ID']).toMatch(/^batch-[0-9a-f]{24}$/);
});

test.each<[string, HttpResult, string]>([
	['429', response(429, undefined, { 'retry-after': '2' }), 'retryable'],
	['504 without body', response(504), 'ambiguous'],
	['500 without results', response(500, { error: 'down' }), 'ambiguous'],
	['400 for the whole request', response(400, { error: { code: 'VALIDATION_ERROR', message: 'Body must be {"invoices": [...]}' } }), 'permanent'],
	['a timeout', { kind: 'failure', code: 'timeout', sent: true, message: 't' }, 'ambiguous'],
])('a batch answered %s gives every invoice %s', async (_name, answer, outcome) => {
	const { ctx } = fake([answer]);
	const results = await inforIcsAdapter.createBatch!(ctx, [attempt, { ...attempt, key: 'k2', reference: 'REF-2' }]);
	expect(results.map((result) => result.outcome)).toEqual([outcome, outcome]);
});

test('a batch larger than Max Batch Size goes out in several calls, results in order', async () => {
	const attempts = [1, 2, 3, 4, 5].map((n) => ({ ...attempt, key: `k${n}`, reference: `REF-${n}` }));
	const { ctx, sent } = fake((request) => {
		const invoices = (request.body as { invoices: Array<{ externalReference: string }> }).invoices;
		return response(200, { results: invoices.map((invoice, index) => ({ index, externalReference: invoice.externalReference, id: invoice.externalReference, status: 'CREATED' })) });
	}, { maxBatchSize: 2 });

	const results = await inforIcsAdapter.createBatch!(ctx, attempts);

	expect(sent.map((request) => (request.body as { invoices: unknown[] }).invoices.length)).toEqual([2, 2, 1]);
	expect(results.map((result) => result.erpId)).toEqual(['REF-1', 'REF-2', 'REF-3', 'REF-4', 'REF-5']);
	expect(inforIcsAdapter.capabilities(ctx)).toEqual({ nativeUniqueness: false, settleMs: 90_000, maxBatchSize: 2, lookupChunkSize: 20 });
});

test('lookups answer for every reference, match exactly, and run at most Lookup Concurrency at once', async () => {
	let running = 0;
	let peak = 0;
	const sent: HttpRequest[] = [];
	const ctx: ErpContext = {
		...fake([]).ctx,
		settings: { lookupConcurrency: 2 },
		transport: {
			send: async (request) => {
				sent.push(request);
				running++;
				peak = Math.max(peak, running);
				await new Promise((resolve) => setImmediate(resolve));
				running--;
				const ref = String(request.qs?.externalRef);
				const items = ref === 'R1' ? [{ id: 1, externalReference: 'R1' }, { id: 2, externalReference: 'R1' }, { id: 3, externalReference: 'r1' }] : [];
				return response(200, { items });
			},
		},
	};

	const found = await inforIcsAdapter.findByReferences(ctx, ['R1', 'R2', 'R3', 'R4', 'R1'], { lookbackDays: 30 });

	expect([...found.keys()]).toEqual(['R1', 'R2', 'R3', 'R4']);
	expect(found.get('R1')?.map((invoice) => invoice.erpId)).toEqual(['1', '2']);
	expect(sent).toHaveLength(4);
	expect(peak).toBe(2);
});

test.each<[string, HttpResult, boolean]>([
	['429', response(429), true],
	['a 500', response(500), true],
	['a timeout', { kind: 'failure', code: 'timeout', sent: true, message: 't' }, true],
	['a 404 (wrong base path)', response(404, { error: { code: 'NOT_FOUND', message: 'No API' } }), false],
	['a 200 without items', response(200, { data: [] }), false],
])('a lookup answered with %s throws ErpLookupError (retryable: %s)', async (_name, answer, retryable) => {
	const { ctx } = fake([answer]);
	await expect(inforIcsAdapter.findByReferences(ctx, ['R1'], { lookbackDays: 30 })).rejects.toMatchObject({ name: 'ErpLookupError', retryable });
});

test('listRange stops at the last page by totalItems', async () => {
	const { ctx, sent } = fake([
		response(200, { items: [{ id: 1, externalReference: 'A' }, { id: 2, externalReference: 'B' }], totalItems: 3 }),
		response(200, { items: [{ id: 3, externalReference: 'C', invoiceDate: '2026-03-02', amount: 5 }], totalItems: 3 }),
	], { pageSize: 2 });

	const listed = await inforIcsAdapter.listRange!(ctx, { from: '2026-03-01', to: '2026-03-31' });

	expect(listed.map((invoice) => invoice.erpId)).toEqual(['1', '2', '3']);
	expect(listed[2]).toEqual({ reference: 'C', erpId: '3', invoiceDate: '2026-03-02', amount: 5, invoiceNumber: undefined });
	expect(sent.map((request) => request.qs)).toEqual([
		{ invoiceDateFrom: '2026-03-01', invoiceDateTo: '2026-03-31', page: 1, pageSize: 2 },
		{ invoiceDateFrom: '2026-03-01', invoiceDateTo: '2026-03-31', page: 2, pageSize: 2 },
	]);
});
