import { persistedKeys } from '../../nodes/shared/ledger/staticData/store';
import { freshLedger, reserveRequest } from './ledger-fixture';

const HOUR = 3_600_000;

describe('the static-data ledger stays bounded: TTL and maxRecords evict the oldest POSTED first, never a review record', () => {
	it('drops POSTED records older than the TTL and keeps every live and review one, however old', async () => {
		const { ledger, clock } = freshLedger();
		for (const key of ['posted-old', 'failed-old', 'pending-old', 'retry-old', 'unknown-old']) await ledger.reserve(reserveRequest({ key, leaseMs: HOUR }));
		await ledger.markPosted('posted-old', { erpId: 'ERP-1' });
		await ledger.markFailed('failed-old', { error: 'rejected' });
		await ledger.markRetry('retry-old', { error: '503' });
		await ledger.markUnknown('unknown-old', { error: 'timeout' });
		clock.advance(30 * HOUR);
		await ledger.reserve(reserveRequest({ key: 'posted-new' }));
		await ledger.markPosted('posted-new', { erpId: 'ERP-2' });

		const report = await ledger.evict({ ttlMs: 24 * HOUR, maxRecords: 100 });
		expect(report).toMatchObject({ evicted: 1, overBoundLive: 0 });
		expect((await ledger.list({})).map((record) => record.key).sort()).toEqual(['failed-old', 'pending-old', 'posted-new', 'retry-old', 'unknown-old']);
	});

	it('keeps a terminal record until it is older than the TTL, then evicts it', async () => {
		const { ledger, clock } = freshLedger();
		await ledger.reserve(reserveRequest({ key: 'k' }));
		await ledger.markPosted('k', { erpId: 'ERP-1' });
		clock.advance(24 * HOUR);
		expect((await ledger.evict({ ttlMs: 24 * HOUR, maxRecords: 100 })).evicted).toBe(0);
		clock.advance(1);
		expect((await ledger.evict({ ttlMs: 24 * HOUR, maxRecords: 100 })).evicted).toBe(1);
	});

	it('over maxRecords, evicts the least recently updated POSTED records first, skipping live and review ones', async () => {
		const { ledger, clock } = freshLedger();
		// Written in this order, each a minute later: live-1, posted-1, failed-1, live-2, posted-2, posted-3
		const write = async (key: string, state: 'PENDING' | 'POSTED' | 'FAILED') => {
			clock.advance(60_000);
			await ledger.reserve(reserveRequest({ key, leaseMs: 100 * HOUR }));
			if (state === 'POSTED') await ledger.markPosted(key, { erpId: `ERP-${key}` });
			if (state === 'FAILED') await ledger.markFailed(key, { error: 'x' });
		};
		await write('live-1', 'PENDING');
		await write('posted-1', 'POSTED');
		await write('failed-1', 'FAILED');
		await write('live-2', 'PENDING');
		await write('posted-2', 'POSTED');
		await write('posted-3', 'POSTED');

		const report = await ledger.evict({ ttlMs: 1000 * HOUR, maxRecords: 4 });
		expect(report).toMatchObject({ evicted: 2, overBoundLive: 0 });
		expect((await ledger.list({})).map((record) => record.key)).toEqual(['live-1', 'failed-1', 'live-2', 'posted-3']);
	});

	it('orders by last update, not by first sight: an old key posted recently outlives a newer key posted earlier', async () => {
		const { ledger, clock } = freshLedger();
		await ledger.reserve(reserveRequest({ key: 'seen-first', leaseMs: 100 * HOUR }));
		clock.advance(60_000);
		await ledger.reserve(reserveRequest({ key: 'seen-second' }));
		await ledger.markPosted('seen-second', { erpId: 'ERP-2' });
		clock.advance(60_000);
		await ledger.markPosted('seen-first', { erpId: 'ERP-1' });
		await ledger.evict({ ttlMs: 1000 * HOUR, maxRecords: 1 });
		expect((await ledger.list({})).map((record) => record.key)).toEqual(['seen-first']);
	});

	it('never drops live records to meet the bound and reports how many are over it', async () => {
		const { ledger } = freshLedger();
		for (const key of ['a', 'b', 'c', 'd', 'e']) await ledger.reserve(reserveRequest({ key }));
		await ledger.markPosted('c', { erpId: 'ERP-c' });
		await ledger.markRetry('d', { error: '503' });
		const report = await ledger.evict({ ttlMs: 1000 * HOUR, maxRecords: 2 });
		expect(report).toMatchObject({ evicted: 1, overBoundLive: 2 });
		expect((await ledger.list({})).map((record) => record.key)).toEqual(['a', 'b', 'e', 'd']);
	});

	it('removes evicted records from the persisted form too (a restart does not bring them back)', async () => {
		const { ledger, store, staticData } = freshLedger();
		await ledger.reserve(reserveRequest({ key: 'gone' }));
		await ledger.markPosted('gone', { erpId: 'ERP-1' });
		await ledger.reserve(reserveRequest({ key: 'kept' }));
		await store.flush();
		await ledger.evict({ ttlMs: 1000 * HOUR, maxRecords: 1 });
		await store.flush();
		expect(persistedKeys(JSON.parse(JSON.stringify(staticData)), 'invoices')).toEqual(['kept']);
	});
});
