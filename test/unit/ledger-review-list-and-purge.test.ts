import { freshLedger, LEASE_MS, reserveRequest } from './ledger-fixture';

const MINUTE = 60_000;

/** Five keys, one per state, written a minute apart (oldest first): A PENDING (expired), B POSTED, C FAILED, D RETRY, E PENDING (live). */
async function reviewQueue() {
	const fixture = freshLedger();
	const { ledger, clock } = fixture;
	const reserve = (key: string) => ledger.reserve(reserveRequest({ key, leaseMs: 10 * MINUTE }));
	await reserve('A');
	clock.advance(MINUTE);
	await reserve('B');
	await ledger.markPosted('B', { erpId: 'ERP-B' });
	clock.advance(MINUTE);
	await reserve('C');
	await ledger.markFailed('C', { error: 'rejected' });
	clock.advance(MINUTE);
	await reserve('D');
	await ledger.markRetry('D', { error: '503' });
	clock.advance(7 * MINUTE); // A's lease (10 min from minute 0) has now run out
	await reserve('E');
	return fixture;
}

const keys = (records: Array<{ key: string }>) => records.map((record) => record.key);

describe('the review queue (list) and purge', () => {
	it('lists every record, oldest first, without a filter', async () => {
		const { ledger } = await reviewQueue();
		expect(keys(await ledger.list({}))).toEqual(['A', 'B', 'C', 'D', 'E']);
	});

	it('lists an expired PENDING record under UNKNOWN and not under PENDING', async () => {
		const { ledger } = await reviewQueue();
		expect(keys(await ledger.list({ states: ['UNKNOWN'] }))).toEqual(['A']);
		expect(keys(await ledger.list({ states: ['PENDING'] }))).toEqual(['E']);
		expect(keys(await ledger.list({ states: ['PENDING', 'UNKNOWN'] }))).toEqual(['A', 'E']);
	});

	it('lists by state', async () => {
		const { ledger } = await reviewQueue();
		expect(keys(await ledger.list({ states: ['FAILED', 'RETRY'] }))).toEqual(['C', 'D']);
		expect(keys(await ledger.list({ states: ['POSTED'] }))).toEqual(['B']);
	});

	it('lists records last updated before an instant', async () => {
		const { ledger, clock } = await reviewQueue();
		expect(keys(await ledger.list({ updatedBefore: clock.at - 5 * MINUTE }))).toEqual(['A', 'B', 'C', 'D']);
		expect(keys(await ledger.list({ updatedBefore: clock.at - 8.5 * MINUTE }))).toEqual(['A', 'B']);
	});

	it('applies the limit after the state filter (an expired lease counts as UNKNOWN before limiting)', async () => {
		const { ledger } = await reviewQueue();
		expect(keys(await ledger.list({ limit: 2 }))).toEqual(['A', 'B']);
		expect(keys(await ledger.list({ states: ['PENDING'], limit: 1 }))).toEqual(['E']);
		expect(keys(await ledger.list({ states: ['UNKNOWN', 'FAILED'], limit: 2 }))).toEqual(['A', 'C']);
	});

	it('purges POSTED and FAILED by default and leaves the live records', async () => {
		const { ledger } = await reviewQueue();
		const purged = await ledger.purge({});
		expect(keys(purged)).toEqual(['B', 'C']);
		expect(keys(await ledger.list({}))).toEqual(['A', 'D', 'E']);
		// A purged key is forgotten: a later delivery is New.
		expect((await ledger.reserve(reserveRequest({ key: 'B' }))).decision).toBe('new');
	});

	it('purges only what matches states and age', async () => {
		const { ledger, clock } = await reviewQueue();
		expect(keys(await ledger.purge({ states: ['FAILED', 'POSTED'], updatedBefore: clock.at - 8.5 * MINUTE }))).toEqual(['B']);
		expect(keys(await ledger.purge({ states: ['UNKNOWN'] }))).toEqual(['A']);
		expect(keys(await ledger.list({}))).toEqual(['C', 'D', 'E']);
	});

	it('reflects a lease that expires while the ledger is idle', async () => {
		const { ledger, clock } = await reviewQueue();
		clock.advance(LEASE_MS * 10);
		expect(keys(await ledger.list({ states: ['UNKNOWN'] }))).toEqual(['A', 'E']);
	});
});
