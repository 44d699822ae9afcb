/**
 * The Infor adapter and the inforIonApi credential through n8n-core's real request path against the
 * sandbox's ICS AR simulator; every assertion on what Infor holds reads the simulator's ground truth.
 */
import { InforIonApi } from '../../credentials/InforIonApi.credentials';
import { inforIcsAdapter } from '../../nodes/shared/erp/inforIcs/adapter';
import { createErpTransport } from '../../nodes/shared/erp/transport';
import type { CanonicalInvoice, ErpContext, PostAttempt } from '../../nodes/shared/erp/types';
import { inforDemoIonApi } from '../../sandbox/erps/infor/simulator';
import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { n8nLikeContext } from './transport-n8n-context';

let sandbox: Sandbox;

beforeAll(async () => {
	sandbox = await startSandbox({ erps: ['infor'], seed: 11 });
});

afterAll(async () => {
	await sandbox?.stop();
});

beforeEach(() => {
	sandbox.setFaults('infor', {});
	sandbox.reset('infor');
});

function connect(fileOverrides: Record<string, string | undefined> = {}, settings = {}, requestTimeoutMs = 5000) {
	const ionapi = { ...inforDemoIonApi(sandbox.urls.infor), ...fileOverrides };
	const n8n = n8nLikeContext(new InforIonApi(), { ionapiFile: JSON.stringify(ionapi) });
	const ctx: ErpContext = { transport: createErpTransport(n8n.fns, 'inforIonApi'), credentials: n8n.stored, settings, requestTimeoutMs };
	return { ctx, n8n, ionapi };
}

function invoice(n: number, overrides: Partial<CanonicalInvoice> = {}): CanonicalInvoice {
	return {
		invoiceNumber: `INV-${n}`,
		invoiceDate: `2026-03-${String((n % 28) + 1).padStart(2, '0')}`,
		dueDate: '2026-04-30',
		currency: 'EUR',
		amount: 100 + n,
		customerId: 'C-100',
		customerName: 'Acme GmbH',
		...overrides,
	};
}

function attempt(n: number, overrides: Partial<CanonicalInvoice> = {}): PostAttempt {
	return { key: `acme-INV-${n}`, reference: `REF-${n}`, invoice: invoice(n, overrides), idempotencyHeader: { name: 'Idempotency-Key', value: `acme-INV-${n}` } };
}

test('an invoice is created once; posting it again makes Infor hold a duplicate, so lookup-before-post is needed', async () => {
	const { ctx } = connect();
	expect(inforIcsAdapter.capabilities(ctx).nativeUniqueness).toBe(false);

	const first = await inforIcsAdapter.create(ctx, attempt(1));
	expect(first).toMatchObject({ outcome: 'created', httpStatus: 201 });
	expect(sandbox.truth('infor').countByReference['REF-1']).toBe(1);
	expect(sandbox.truth('infor').invoices[0].id).toBe(first.erpId);

	await inforIcsAdapter.create(ctx, attempt(1));
	expect(sandbox.truth('infor').duplicates).toEqual(['REF-1']);

	const found = await inforIcsAdapter.findByReferences(ctx, ['REF-1', 'REF-2'], { lookbackDays: 30 });
	expect(found.get('REF-1')).toHaveLength(2);
	expect(found.get('REF-2')).toEqual([]);
});

test('a batch that fails at invoice 4 with partial results: 3 created, the rest ambiguous, and a lookup agrees with Infor', async () => {
	sandbox.setFaults('infor', { failMidBatchAt: 3 });
	const { ctx } = connect();
	const attempts = [1, 2, 3, 4, 5, 6].map((n) => attempt(n));

	const results = await inforIcsAdapter.createBatch!(ctx, attempts);

	expect(results.map((result) => result.outcome)).toEqual(['created', 'created', 'created', 'ambiguous', 'ambiguous', 'ambiguous']);
	const truth = sandbox.truth('infor');
	expect(truth.invoices.map((stored) => stored.reference)).toEqual(['REF-1', 'REF-2', 'REF-3']);
	expect(results.slice(0, 3).map((result) => result.erpId)).toEqual(truth.invoices.map((stored) => stored.id));
	expect(results[3].message).toContain('BATCH_ABORTED');

	const found = await inforIcsAdapter.findByReferences(ctx, attempts.map((a) => a.reference), { lookbackDays: 30 });
	expect([...found.values()].map((list) => list.length)).toEqual([1, 1, 1, 0, 0, 0]);
});

test('a batch cut off by a gateway 504 with no body leaves every invoice ambiguous, though some were committed', async () => {
	sandbox.setFaults('infor', { failMidBatchAt: 2, failMidBatchMode: '504' });
	const { ctx } = connect();

	const results = await inforIcsAdapter.createBatch!(ctx, [1, 2, 3, 4].map((n) => attempt(n)));

	expect(results.map((result) => result.outcome)).toEqual(['ambiguous', 'ambiguous', 'ambiguous', 'ambiguous']);
	expect(results[0].httpStatus).toBe(504);
	expect(sandbox.truth('infor').invoices).toHaveLength(2);
});

test('a customer name with special characters fails inside a batch with Infor\'s own text, the others are created', async () => {
	sandbox.setFaults('infor', { options: { rejectSpecialCharacters: true } });
	const { ctx } = connect();

	const results = await inforIcsAdapter.createBatch!(ctx, [attempt(1), attempt(2, { customerName: 'Müller & Söhne' }), attempt(3)]);

	expect(results.map((result) => result.outcome)).toEqual(['created', 'permanent', 'created']);
	expect(results[1].message).toContain('Internal processing error');
	expect(Object.keys(sandbox.truth('infor').countByReference).sort()).toEqual(['REF-1', 'REF-3']);
});

test('an expired token is refreshed once by preAuthentication and the invoice is created once', async () => {
	sandbox.setFaults('infor', { tokenTtlMs: 60_000 });
	const { ctx, n8n } = connect();
	await inforIcsAdapter.create(ctx, attempt(1));
	sandbox.advanceClock(120_000);

	const second = await inforIcsAdapter.create(ctx, attempt(2));

	expect(second.outcome).toBe('created');
	expect(n8n.preAuthenticationRuns()).toBe(2);
	expect(sandbox.truth('infor').invoices.map((stored) => stored.reference)).toEqual(['REF-1', 'REF-2']);
});

test('throttling is retryable and carries Retry-After; nothing is created', async () => {
	sandbox.setFaults('infor', { schedule: [{ write: 1, fault: 'throttle' }], retryAfterSeconds: 7 });
	const { ctx } = connect();

	const result = await inforIcsAdapter.create(ctx, attempt(1));

	expect(result).toMatchObject({ outcome: 'retryable', httpStatus: 429, retryAfterMs: 7000 });
	expect(sandbox.truth('infor').invoices).toHaveLength(0);
});

test('a create that commits and then times out is ambiguous, and the lookup finds the committed invoice', async () => {
	sandbox.setFaults('infor', { schedule: [{ write: 1, fault: 'commitThenTimeout' }] });
	const { ctx } = connect({}, {}, 2000);

	const result = await inforIcsAdapter.create(ctx, attempt(1));

	expect(result.outcome).toBe('ambiguous');
	const found = await inforIcsAdapter.findByReferences(ctx, ['REF-1'], { lookbackDays: 30 });
	expect(found.get('REF-1')?.map((invoiceFound) => invoiceFound.erpId)).toEqual([sandbox.truth('infor').invoices[0].id]);
});

test('a failure before commit (500) is ambiguous and a 503 is retryable; neither stored anything', async () => {
	sandbox.setFaults('infor', { schedule: [{ write: 1, fault: 'failBeforeCommit' }], failBeforeCommitStatus: 503 });
	const { ctx } = connect();
	expect((await inforIcsAdapter.create(ctx, attempt(1))).outcome).toBe('retryable');
	// A new fault config restarts the sandbox's write count.
	sandbox.setFaults('infor', { schedule: [{ write: 1, fault: 'failBeforeCommit' }], failBeforeCommitStatus: 500 });
	expect((await inforIcsAdapter.create(ctx, attempt(1))).outcome).toBe('ambiguous');
	expect(sandbox.truth('infor').invoices).toHaveLength(0);
});

test('a wrong client secret fails permanently with a clear message that never shows a secret', async () => {
	const { ctx, ionapi } = connect({ cs: 'wrong-secret-0000' });

	const result = await inforIcsAdapter.create(ctx, attempt(1));

	expect(result.outcome).toBe('permanent');
	expect(result.message).toContain('Infor rejected the credentials');
	for (const secret of ['wrong-secret-0000', ionapi.sask, ionapi.saak]) expect(JSON.stringify(result)).not.toContain(secret);
	await expect(inforIcsAdapter.findByReferences(ctx, ['REF-1'], { lookbackDays: 30 })).rejects.toMatchObject({
		name: 'ErpLookupError',
		retryable: false,
	});
	expect(sandbox.truth('infor').invoices).toHaveLength(0);
});

test('a pasted file without a client secret is refused before anything is sent, naming the field', async () => {
	const { ctx } = connect({ cs: undefined });

	const result = await inforIcsAdapter.create(ctx, attempt(1));

	expect(result).toMatchObject({ outcome: 'permanent' });
	expect(result.message).toContain('lacks the field cs');
	expect(sandbox.requestLog('infor')).toHaveLength(0);
});

test('references with URL-special characters are looked up exactly', async () => {
	const { ctx } = connect();
	const tricky = { ...attempt(1), reference: 'A&B=C #1?/ü' };
	await inforIcsAdapter.create(ctx, tricky);

	const found = await inforIcsAdapter.findByReferences(ctx, ['A&B=C #1?/ü', 'A&B=C #1'], { lookbackDays: 30 });

	expect(found.get('A&B=C #1?/ü')).toHaveLength(1);
	expect(found.get('A&B=C #1')).toEqual([]);
});

test('a date range is listed page by page', async () => {
	const { ctx } = connect({}, { pageSize: 3 });
	for (let n = 1; n <= 7; n++) await inforIcsAdapter.create(ctx, attempt(n, { invoiceDate: '2026-03-10' }));
	await inforIcsAdapter.create(ctx, attempt(8, { invoiceDate: '2026-05-01' }));

	const listed = await inforIcsAdapter.listRange!(ctx, { from: '2026-03-01', to: '2026-03-31' });

	expect(listed.map((found) => found.reference).sort()).toEqual(['REF-1', 'REF-2', 'REF-3', 'REF-4', 'REF-5', 'REF-6', 'REF-7']);
});
