import { dynamics365Adapter } from '../../nodes/shared/erp/dynamics365/adapter';
import { startSandbox, type Sandbox } from '../../sandbox';
import { sandboxContext, vendorInvoice } from './dataverse-sandbox-helpers';

describe('seed 001: a 50-invoice $batch holding 3 duplicates posts the 47 others', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['dataverse'] });
	});
	afterAll(async () => {
		await sandbox?.stop();
	});
	beforeEach(() => sandbox.reset('dataverse'));

	it('the duplicates come back as Already Existed, every other invoice is created once', async () => {
		const ctx = sandboxContext(sandbox);
		const batch = Array.from({ length: 50 }, (_, index) => vendorInvoice(index));
		// The upstream system sent invoices 3, 17 and 42 before.
		for (const index of [3, 17, 42]) expect((await dynamics365Adapter.create(ctx, batch[index])).outcome).toBe('created');

		const results = await dynamics365Adapter.createBatch!(ctx, batch);

		expect(results.filter((result) => result.outcome === 'created')).toHaveLength(47);
		expect([3, 17, 42].map((index) => results[index].outcome)).toEqual(['exists', 'exists', 'exists']);
		expect(results.filter((result) => result.outcome === 'created').every((result) => typeof result.erpId === 'string')).toBe(true);
		const truth = sandbox.truth('dataverse');
		expect(truth.invoices).toHaveLength(50);
		expect(truth.duplicates).toEqual([]);
	});

	it('a batch that fails mid-way leaves every invoice ambiguous, and the lookup tells which were committed', async () => {
		const ctx = sandboxContext(sandbox);
		sandbox.setFaults('dataverse', { schedule: [{ write: 1, fault: 'failMidBatch' }], failMidBatchAt: 6, failMidBatchMode: '504' });
		const batch = Array.from({ length: 10 }, (_, index) => vendorInvoice(index));

		const results = await dynamics365Adapter.createBatch!(ctx, batch);
		expect(results.every((result) => result.outcome === 'ambiguous')).toBe(true);

		const found = await dynamics365Adapter.findByReferences(ctx, batch.map((attempt) => attempt.reference), { lookbackDays: 30 });
		const committed = batch.filter((attempt) => found.get(attempt.reference)!.length === 1).length;
		expect(committed).toBe(sandbox.truth('dataverse').invoices.length);
		expect(committed).toBe(6);
		sandbox.setFaults('dataverse', {});
	});

	it('with the alternate key, the whole batch again is 10 × Already Existed and nothing new', async () => {
		const ctx = sandboxContext(sandbox, { useAlternateKey: true });
		const batch = Array.from({ length: 10 }, (_, index) => vendorInvoice(index));
		expect((await dynamics365Adapter.createBatch!(ctx, batch)).every((result) => result.outcome === 'created')).toBe(true);

		const again = await dynamics365Adapter.createBatch!(ctx, batch);
		expect(again.map((result) => result.outcome)).toEqual(Array(10).fill('exists'));
		expect(sandbox.truth('dataverse').invoices).toHaveLength(10);
	});
});
