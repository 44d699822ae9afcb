import { FakeClock } from '../unit/ledger-fixture';
import { MAX_CLOCK_SKEW_MS } from '../../nodes/shared/ledger/ledger';
import type { JobResult } from '../../nodes/shared/posting/engine';
import { FakeErp, engineOn, invoice, jobOf, ledgerOn, OPTIONS, only } from './engine-fixture';

const MINUTE = 60_000;

describe('Fencing: a run posts or commits a key only while it still holds it', () => {
	it('a slow run and a second execution that takes its expired keys over: each invoice reaches the ERP once', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		// Each create takes a minute (a rate limit, a slow gateway): ten invoices outlive a 5-minute lease.
		const erp = new FakeErp(clock, () => ({ answer: 'created', commitAfterMs: 0, takesMs: MINUTE }));
		const jobs = Array.from({ length: 10 }, (_, i) => jobOf(i, invoice(i + 1)));
		let second: Map<number, JobResult> | undefined;
		erp.onCreate = async (_attempt, index) => {
			// Minute 7 of the first run, its 8th create in flight: the next schedule tick runs with the same invoices.
			if (index === 7 && !second) second = await engineOn(clock, ledger, erp, { settleMs: 0 }).engine.run(jobs.map((job) => ({ ...job })));
		};
		const first = await engineOn(clock, ledger, erp).engine.run(jobs);

		expect(Object.values(erp.countByReference()).filter((count) => count > 1)).toEqual([]);
		expect(Object.keys(erp.countByReference())).toHaveLength(10);
		// The first run either posted a key or left it by Failed because it lost it — never both runs posting it.
		const lost = [...first.values()].filter((result) => result.outcome === 'ownershipLost');
		expect(lost.length).toBeGreaterThan(0);
		expect(second).toBeDefined();
	});

	it('a key taken over during a back-off is not sent again by the old holder: Failed "no longer holds"', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const erp = new FakeErp(clock, (_a, index) => (index === 0 ? { answer: 'retryable' } : { answer: 'created', commitAfterMs: 0 }));
		const job = jobOf(0, invoice(1));
		let takenOver = false;
		const { engine } = engineOn(clock, ledger, erp, { lookupBeforePost: 'never' }, {
			onSleep: async () => {
				if (takenOver) return;
				takenOver = true;
				// Meanwhile the lease ran out (a stalled worker, a skewed clock) and another execution took the key.
				clock.advance(OPTIONS.leaseMs + MAX_CLOCK_SKEW_MS + 1);
				await ledger.reserve({ key: job.key, fingerprint: job.fingerprint, reference: job.reference, correlationId: 'other-run', leaseMs: OPTIONS.leaseMs, takeOverUnknown: true });
			},
		});
		const result = only(await engine.run([job]));
		expect(erp.creates).toHaveLength(1);
		expect(result.route).toBe('failed');
		expect(result.outcome).toBe('ownershipLost');
		expect(result.error).toMatch(/no longer holds key .* under correlation id other-run.*it was not sent/);
		expect((await ledger.get(job.key))?.correlationId).toBe('other-run');
	});

	it('an answer that arrives after the key was taken over is not committed over the new holder: Failed with the ERP id', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const job = jobOf(0, invoice(1));
		const erp = new FakeErp(clock, () => ({ answer: 'created', commitAfterMs: 0 }));
		erp.onCreate = async () => {
			clock.advance(OPTIONS.leaseMs + MAX_CLOCK_SKEW_MS + 1);
			await ledger.reserve({ key: job.key, fingerprint: job.fingerprint, reference: job.reference, correlationId: 'other-run', leaseMs: OPTIONS.leaseMs, takeOverUnknown: true });
		};
		const result = only(await engineOn(clock, ledger, erp, { lookupBeforePost: 'never' }).engine.run([job]));
		expect(result.route).toBe('failed');
		expect(result.outcome).toBe('ownershipLost');
		expect(result.error).toContain('the ERP holds it as id ERP-1');
		const record = await ledger.get(job.key);
		expect(record?.state).toBe('PENDING');
		expect(record?.correlationId).toBe('other-run');
	});

	it('renews the lease right before each create and reserves only a window of keys ahead of the work', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const seen: Array<{ pending: number; leaseLeft: number }> = [];
		const erp = new FakeErp(clock, () => ({ answer: 'created', commitAfterMs: 0, takesMs: 10_000 }));
		erp.onCreate = async (attempt) => {
			const pending = await ledger.list({ states: ['PENDING'] });
			const mine = pending.find((record) => record.reference === attempt.reference)!;
			seen.push({ pending: pending.length, leaseLeft: mine.leaseUntil! - clock.now() });
		};
		const jobs = Array.from({ length: 100 }, (_, i) => jobOf(i, invoice(i + 1)));
		const results = await engineOn(clock, ledger, erp, { settleMs: 0 }).engine.run(jobs);
		expect([...results.values()].every((result) => result.route === 'posted')).toBe(true);
		expect(seen).toHaveLength(100);
		// 100 creates of 10 s each: without renewal the last ones would go out on a long-expired lease.
		for (const { leaseLeft } of seen) expect(leaseLeft).toBe(OPTIONS.leaseMs);
		expect(Math.max(...seen.map((entry) => entry.pending))).toBeLessThanOrEqual(20);
	});
});
