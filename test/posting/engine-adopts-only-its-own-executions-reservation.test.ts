import { FakeClock } from '../unit/ledger-fixture';
import { FakeErp, engineOn, invoice, jobOf, ledgerOn, OPTIONS } from './engine-fixture';

describe('A correlation id read from an item adopts a reservation only if this execution made it', () => {
	async function reservedByDedupeCheck(execution: string) {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const job = jobOf(0, invoice(1));
		const { record } = await ledger.reserve({ key: job.key, fingerprint: job.fingerprint, reference: job.reference, correlationId: 'c0ffee', leaseMs: OPTIONS.leaseMs, takeOverUnknown: false, execution });
		return { clock, ledger, job, record };
	}

	it('an item that carries the live reservation’s correlation id, sent into another execution, does not take it over', async () => {
		const { clock, ledger, job } = await reservedByDedupeCheck('exec-1');
		const erp = new FakeErp(clock);
		// The sender copied `idempotency.correlationId` from an earlier answer into its item.
		const results = await engineOn(clock, ledger, erp, {}, { execution: 'exec-attacker' }).engine.run([{ ...job, adoptCorrelationId: 'c0ffee' }]);
		expect(results.get(0)?.route).toBe('failed');
		expect(results.get(0)?.outcome).toBe('inProgress');
		expect(erp.creates).toHaveLength(0);
	});

	it('the Post node after Dedupe Check in the same execution adopts it and posts once', async () => {
		const { clock, ledger, job } = await reservedByDedupeCheck('exec-1');
		const erp = new FakeErp(clock);
		const results = await engineOn(clock, ledger, erp, {}, { execution: 'exec-1' }).engine.run([{ ...job, adoptCorrelationId: 'c0ffee' }]);
		expect(results.get(0)?.route).toBe('posted');
		expect(results.get(0)?.record?.correlationId).toBe('c0ffee');
		expect(erp.creates).toHaveLength(1);
	});

	it('an execution that cannot name itself adopts nothing', async () => {
		const { clock, ledger, job } = await reservedByDedupeCheck('exec-1');
		const erp = new FakeErp(clock);
		const results = await engineOn(clock, ledger, erp).engine.run([{ ...job, adoptCorrelationId: 'c0ffee' }]);
		expect(results.get(0)?.outcome).toBe('inProgress');
		expect(erp.creates).toHaveLength(0);
	});
});
