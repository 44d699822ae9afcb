import { FakeClock } from '../unit/ledger-fixture';
import { FakeErp, engineOn, invoice, jobOf, ledgerOn, only } from './engine-fixture';

describe('No POSTED without proof, and a found record must be this invoice', () => {
	it('"already exists" without an id, and a lookup that does not find it: UNKNOWN on Failed for review, never Already Existed', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		// e.g. a duplicate rule that matched a different record, or a 409 that names nothing.
		const erp = new FakeErp(clock, () => ({ answer: 'exists', noId: true }));
		const job = jobOf(0, invoice(1));
		const result = only(await engineOn(clock, ledger, erp, { settleMs: 1_000 }).engine.run([job]));
		expect(result.route).toBe('failed');
		expect(result.outcome).toBe('unknown');
		expect(result.error).toMatch(/already exists but gave no id.*did not find it/);
		const record = await ledger.get(job.key);
		expect(record?.state).toBe('UNKNOWN');
		expect(record?.erpId).toBeUndefined();
	});

	it('a record under the same reference with another amount and number is not adopted: Failed naming both', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const erp = new FakeErp(clock);
		// A reused PO number: another invoice already carries this reference.
		erp.seed({ reference: 'REF-INV-0001', erpId: 'ERP-A', invoiceNumber: 'INV-9999', amount: 250, invoiceDate: '2026-11-24' });
		const job = jobOf(0, invoice(1));
		const result = only(await engineOn(clock, ledger, erp).engine.run([job]));
		expect(erp.creates).toHaveLength(0);
		expect(result.route).toBe('failed');
		expect(result.outcome).toBe('referenceMismatch');
		expect(result.error).toContain('ERP id ERP-A: invoiceNumber ours "INV-0001" vs theirs "INV-9999", amount ours "101" vs theirs "250"');
		const record = await ledger.get(job.key);
		expect(record?.state).toBe('FAILED');
		expect(record?.erpId).toBeUndefined();
	});

	it('two invoices sharing one reference are never merged: each keeps its own ERP id', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const a = invoice(1);
		const b = invoice(2, { externalReference: a.externalReference });
		// B's create times out after committing; by then A is in the ERP under the same reference.
		const erp = new FakeErp(clock, (attempt) => (attempt.invoice.invoiceNumber === b.invoiceNumber ? { answer: 'ambiguous', commitAfterMs: 0 } : { answer: 'created', commitAfterMs: 0 }));
		const results = await engineOn(clock, ledger, erp, { settleMs: 1_000, lookupBeforePost: 'never' }).engine.run([jobOf(0, a), jobOf(1, b)]);
		const idA = (await ledger.get(jobOf(0, a).key))?.erpId;
		const idB = (await ledger.get(jobOf(1, b).key))?.erpId;
		expect(results.get(1)?.outcome).toBe('createdVerified');
		expect(idA).toBeDefined();
		expect(idB).toBeDefined();
		expect(idB).not.toBe(idA);
		expect(erp.creates).toHaveLength(2);
	});

	it('fields the ERP did not return are not compared; a date returned as a timestamp and 101 as 101.00 still match', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const erp = new FakeErp(clock);
		erp.seed({ reference: 'REF-INV-0001', erpId: 'ERP-OURS', amount: 101.0, invoiceDate: '2026-11-24T00:00:00Z', currency: 'eur' });
		const result = only(await engineOn(clock, ledger, erp).engine.run([jobOf(0, invoice(1))]));
		expect(result.route).toBe('alreadyExisted');
		expect(result.record?.erpId).toBe('ERP-OURS');
	});

	it('a currency that differs is a mismatch', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const erp = new FakeErp(clock);
		erp.seed({ reference: 'REF-INV-0001', erpId: 'ERP-X', party: 'C-200', currency: 'USD' });
		const result = only(await engineOn(clock, ledger, erp).engine.run([jobOf(0, invoice(1))]));
		expect(result.outcome).toBe('referenceMismatch');
		expect(result.error).toContain('currency ours "EUR" vs theirs "USD"');
	});
});
