import { FakeClock } from '../unit/ledger-fixture';
import { FakeErp, engineOn, invoice, jobOf, ledgerOn, only } from './engine-fixture';

/** An ERP without its own uniqueness: the first create times out, and the gateway keeps working on it. */
function lateCommit(clock: FakeClock, commitAfterMs: number) {
	return new FakeErp(clock, (_a, index) => (index === 0 ? { answer: 'ambiguous', commitAfterMs } : { answer: 'created', commitAfterMs: 0 }));
}

describe('Settle before "absent": a timed-out create is looked up only once it could have landed, and absent must be read twice', () => {
	it('a create that commits 5 s after the client gave up is found, not posted again (settle 10 s)', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const erp = lateCommit(clock, 5_000);
		const result = only(await engineOn(clock, ledger, erp, { settleMs: 10_000 }).engine.run([jobOf(0, invoice(1))]));
		expect(erp.creates).toHaveLength(1);
		expect(erp.countByReference()).toEqual({ 'REF-INV-0001': 1 });
		expect(result.route).toBe('posted');
		expect(result.outcome).toBe('createdVerified');
	});

	it('a lookup that lags the commit reads "absent" once; the second read, apart, finds it', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		// Committed 1 s after the timeout, but the search index shows it only at 5.5 s: the first read (at 4 s) misses it.
		const erp = lateCommit(clock, 1_000);
		erp.lookupLagMs = 4_500;
		const result = only(await engineOn(clock, ledger, erp, { settleMs: 4_000 }).engine.run([jobOf(0, invoice(1))]));
		expect(erp.creates).toHaveLength(1);
		expect(erp.lookups).toBeGreaterThanOrEqual(2);
		expect(erp.countByReference()).toEqual({ 'REF-INV-0001': 1 });
		expect(result.outcome).toBe('createdVerified');
	});

	it('absent twice, apart: only then is the invoice sent again (a create that never landed is posted once more)', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const erp = new FakeErp(clock, (_a, index) => (index === 0 ? { answer: 'ambiguous' } : { answer: 'created', commitAfterMs: 0 }));
		const lookupTimes: number[] = [];
		const find = erp.findByReferences.bind(erp);
		erp.findByReferences = async (...args) => {
			lookupTimes.push(clock.now());
			return await find(...args);
		};
		const start = clock.now();
		const result = only(await engineOn(clock, ledger, erp, { settleMs: 8_000, lookupBeforePost: 'never' }).engine.run([jobOf(0, invoice(1))]));
		expect(result.outcome).toBe('created');
		expect(erp.creates).toHaveLength(2);
		expect(lookupTimes).toHaveLength(2);
		expect(lookupTimes[0] - start).toBeGreaterThanOrEqual(8_000);
		expect(lookupTimes[1] - lookupTimes[0]).toBeGreaterThanOrEqual(4_000);
	});

	it('the run cannot tell (lookups keep failing): the invoice stays UNKNOWN and leaves by Failed saying so', async () => {
		const clock = new FakeClock();
		const { ledger } = ledgerOn(clock);
		const erp = lateCommit(clock, 60_000);
		erp.findByReferences = async () => {
			throw new Error('search unavailable');
		};
		const job = jobOf(0, invoice(1));
		const result = only(await engineOn(clock, ledger, erp, { settleMs: 10_000, lookupBeforePost: 'never' }).engine.run([job]));
		expect(erp.creates).toHaveLength(1);
		expect(result.route).toBe('failed');
		expect(result.outcome).toBe('unknown');
		expect(result.error).toMatch(/outcome unknown .*search unavailable/);
		expect((await ledger.get(job.key))?.state).toBe('UNKNOWN');
	});

	it('the Post option wins over the ERP default, and an ERP that refuses duplicates itself needs no settle', async () => {
		const clock = new FakeClock();
		for (const [caps, options, expectedFirstLookup] of [
			[{ settleMs: 20_000 }, {}, 20_000],
			[{ settleMs: 20_000 }, { settleMs: 3_000 }, 3_000],
			[{ settleMs: 20_000, nativeUniqueness: true }, {}, 0],
		] as const) {
			const { ledger } = ledgerOn(clock);
			const erp = new FakeErp(clock, (_a, index) => (index === 0 ? { answer: 'ambiguous', commitAfterMs: 0 } : { answer: 'created', commitAfterMs: 0 }), caps);
			const times: number[] = [];
			const find = erp.findByReferences.bind(erp);
			erp.findByReferences = async (...args) => {
				times.push(clock.now());
				return await find(...args);
			};
			const opts: Record<string, number | string> = { lookupBeforePost: 'never', initialDelayMs: 0 };
			if ('settleMs' in options) opts.settleMs = options.settleMs;
			else opts.settleMs = undefined as unknown as number;
			const start = clock.now();
			const { engine } = engineOn(clock, ledger, erp, opts);
			await engine.run([jobOf(0, invoice(1))]);
			expect(times[0] - start).toBe(expectedFirstLookup);
		}
	});
});
