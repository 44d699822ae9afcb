import { FakeClock } from '../unit/ledger-fixture';
import { FakeErp, engineOn, invoice, jobOf, ledgerOn, only } from './engine-fixture';

const DAY = 86_400_000;

describe('Retry-After is obeyed up to a ceiling, then the invoice leaves by Failed as RETRY with the ERP date', () => {
	it('a 7-day Retry-After does not park the run: Failed RETRY at the ERP date, nothing waited, nothing posted', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const erp = new FakeErp(clock, () => ({ answer: 'retryable', retryAfterMs: 7 * DAY }));
		const job = jobOf(0, invoice(1));
		const { engine, sleeps } = engineOn(clock, ledger, erp, { lookupBeforePost: 'never' });
		const asked = clock.now() + 7 * DAY;
		const result = only(await engine.run([job]));
		expect(result.route).toBe('failed');
		expect(result.outcome).toBe('retryLater');
		expect(result.error).toContain(`retry after ${new Date(asked).toISOString()}`);
		expect(Math.max(0, ...sleeps)).toBeLessThanOrEqual(60_000);
		const record = await ledger.get(job.key);
		expect(record?.state).toBe('RETRY');
		expect(record?.nextAttemptAt).toBe(asked);
	});

	it('invoices held back by another call’s long Retry-After leave the same way, unsent', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const erp = new FakeErp(clock, () => ({ answer: 'retryable', retryAfterMs: 2 * DAY }));
		const jobs = [jobOf(0, invoice(1)), jobOf(1, invoice(2)), jobOf(2, invoice(3))];
		const { engine, sleeps } = engineOn(clock, ledger, erp, { lookupBeforePost: 'never', concurrency: 1 });
		const results = await engine.run(jobs);
		expect([...results.values()].map((result) => result.outcome)).toEqual(['retryLater', 'retryLater', 'retryLater']);
		expect(erp.creates).toHaveLength(1);
		expect(Math.max(0, ...sleeps)).toBeLessThanOrEqual(60_000);
	});

	it('a short Retry-After (within the ceiling) is still waited for, and the invoice posted', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const erp = new FakeErp(clock, (_a, index) => (index === 0 ? { answer: 'retryable', retryAfterMs: 20_000 } : { answer: 'created', commitAfterMs: 0 }));
		const { engine, sleeps } = engineOn(clock, ledger, erp, { lookupBeforePost: 'never', maxDelayMs: 5_000 });
		const result = only(await engine.run([jobOf(0, invoice(1))]));
		expect(result.route).toBe('posted');
		expect(Math.max(...sleeps)).toBeGreaterThanOrEqual(20_000);
	});
});
