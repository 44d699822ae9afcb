import { dynamics365Adapter } from '../../nodes/shared/erp/dynamics365/adapter';
import { startSandbox, type Sandbox } from '../../sandbox';
import { sandboxContext, vendorInvoice } from './dataverse-sandbox-helpers';

const hint = { lookbackDays: 30 };

describe('Dataverse: a reference with quote, &, #, spaces and non-ASCII round-trips', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['dataverse'] });
	});
	afterAll(async () => {
		await sandbox?.stop();
	});
	beforeEach(() => sandbox.reset('dataverse'));

	it.each([[{ useAlternateKey: false }], [{ useAlternateKey: true }]])('created, then found under the same reference (settings %j)', async (settings) => {
		const ctx = sandboxContext(sandbox, settings);
		const reference = "O'Brien & Co #5 Zürich";
		const attempt = { ...vendorInvoice(1, reference), invoice: { ...vendorInvoice(1).invoice, invoiceNumber: "INV 'Ä' #1&2" } };
		const created = await dynamics365Adapter.create(ctx, attempt);
		expect(created.outcome).toBe('created');

		const found = await dynamics365Adapter.findByReferences(ctx, [reference, "O'Brien"], hint);
		expect(found.get(reference)).toEqual([expect.objectContaining({ reference, erpId: created.erpId, invoiceNumber: "INV 'Ä' #1&2", amount: 101 })]);
		expect(found.get("O'Brien")).toEqual([]);
		expect(sandbox.truth('dataverse').countByReference[reference]).toBe(1);

		// The same invoice again is refused by Dataverse itself and reported as Already Existed.
		const again = await dynamics365Adapter.create(ctx, attempt);
		expect(again.outcome).toBe('exists');
		if (settings.useAlternateKey) expect(again.erpId).toBe(created.erpId);
		expect(sandbox.truth('dataverse').invoices).toHaveLength(1);
	});

	it('an injection attempt in a reference finds nothing instead of everything', async () => {
		const ctx = sandboxContext(sandbox);
		await dynamics365Adapter.create(ctx, vendorInvoice(1));
		const found = await dynamics365Adapter.findByReferences(ctx, ["x' or ExternalReference ne 'x"], hint);
		expect(found.get("x' or ExternalReference ne 'x")).toEqual([]);
	});

	it('a reference stored in other case is still found (Dataverse compares case-insensitively)', async () => {
		const ctx = sandboxContext(sandbox);
		const created = await dynamics365Adapter.create(ctx, vendorInvoice(1, 'ext-abc'));
		const found = await dynamics365Adapter.findByReferences(ctx, ['EXT-ABC'], hint);
		expect(found.get('EXT-ABC')).toEqual([expect.objectContaining({ erpId: created.erpId })]);
	});

	it('a create whose answer is lost after the commit is ambiguous, and the lookup finds it', async () => {
		const ctx = sandboxContext(sandbox, {}, 2000);
		sandbox.setFaults('dataverse', { schedule: [{ write: 1, fault: 'commitThenTimeout' }], commitThenTimeoutMode: 'hold' });
		const attempt = vendorInvoice(7);
		expect((await dynamics365Adapter.create(ctx, attempt)).outcome).toBe('ambiguous');
		const found = await dynamics365Adapter.findByReferences(ctx, [attempt.reference], hint);
		expect(found.get(attempt.reference)).toHaveLength(1);
		sandbox.setFaults('dataverse', {});
	});

	it('a throttled create is retryable after the Retry-After the sandbox sent, and nothing was stored', async () => {
		const ctx = sandboxContext(sandbox);
		sandbox.setFaults('dataverse', { schedule: [{ write: 1, fault: 'throttle' }], retryAfterSeconds: 4 });
		const result = await dynamics365Adapter.create(ctx, vendorInvoice(8));
		expect(result).toMatchObject({ outcome: 'retryable', retryAfterMs: 4000, httpStatus: 429 });
		expect(sandbox.truth('dataverse').invoices).toHaveLength(0);
		sandbox.setFaults('dataverse', {});
	});
});
