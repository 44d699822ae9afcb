import { Ledger } from '../../nodes/shared/ledger/ledger';
import { StaticDataLedgerStore } from '../../nodes/shared/ledger/staticData/store';
import { FakeClock } from '../unit/ledger-fixture';
import { FakeErp, engineOn, invoice, jobOf, ledgerOn, OPTIONS } from './engine-fixture';

/** The static-data store serves one process: after a restart every other process id is a process that died. */
function restartedProcess(clock: FakeClock, table: ReturnType<typeof ledgerOn>['table'], instance: string): Ledger {
	return new Ledger(new StaticDataLedgerStore(table, {}, 'invoices'), clock.now, { instance, isGone: (owner) => owner !== instance });
}

describe('After kill -9, the keys the dead process held are settled at once the safe way, not after their lease', () => {
	it('verifies each orphaned reservation by lookup, then adopts what landed and posts what did not — well inside the lease', async () => {
		const clock = new FakeClock();
		const before = ledgerOn(clock, undefined, { instance: 'process-1', isGone: (owner) => owner !== 'process-1' });
		const jobs = [jobOf(0, invoice(1)), jobOf(1, invoice(2))];
		// The dead process reserved both and had posted the first when it was killed.
		for (const job of jobs) {
			await before.ledger.reserve({ key: job.key, fingerprint: job.fingerprint, reference: job.reference, correlationId: 'dead-run', leaseMs: OPTIONS.leaseMs, takeOverUnknown: true });
		}
		const erp = new FakeErp(clock);
		erp.seed({ reference: jobs[0].reference, erpId: 'ERP-LANDED', invoiceNumber: 'INV-0001', amount: 101 });
		clock.advance(1_000);

		const ledger = restartedProcess(clock, before.table, 'process-2');
		const start = clock.now();
		const results = await engineOn(clock, ledger, erp, { settleMs: 2_000 }).engine.run(jobs);
		expect(results.get(0)?.route).toBe('alreadyExisted');
		expect(results.get(0)?.record?.erpId).toBe('ERP-LANDED');
		expect(results.get(1)?.route).toBe('posted');
		expect(erp.countByReference()).toEqual({ [jobs[0].reference]: 1, [jobs[1].reference]: 1 });
		// Settled after the settle window (and the dead run's last request), not after the 5-minute lease.
		expect(clock.now() - start).toBeLessThan(OPTIONS.leaseMs / 2);
	});

	it('a live process of the same store (same process id) is still waited for: In Progress', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock, undefined, { instance: 'process-1', isGone: (owner) => owner !== 'process-1' });
		const job = jobOf(0, invoice(1));
		await ledger.reserve({ key: job.key, fingerprint: job.fingerprint, reference: job.reference, correlationId: 'live-run', leaseMs: OPTIONS.leaseMs, takeOverUnknown: true });
		const erp = new FakeErp(clock);
		const results = await engineOn(clock, ledger, erp).engine.run([job]);
		expect(results.get(0)?.outcome).toBe('inProgress');
		expect(erp.creates).toHaveLength(0);
	});

	it('on a store where liveness is unknown (Redis), an orphaned reservation waits for its lease', async () => {
		const clock = new FakeClock();
		const before = ledgerOn(clock, undefined, { instance: 'worker-1' });
		const job = jobOf(0, invoice(1));
		await before.ledger.reserve({ key: job.key, fingerprint: job.fingerprint, reference: job.reference, correlationId: 'other', leaseMs: OPTIONS.leaseMs, takeOverUnknown: true });
		const ledger = new Ledger(new StaticDataLedgerStore(before.table, {}, 'invoices'), clock.now, { instance: 'worker-2' });
		const erp = new FakeErp(clock);
		const results = await engineOn(clock, ledger, erp).engine.run([job]);
		expect(results.get(0)?.outcome).toBe('inProgress');
	});
});
