import { closeRedisClient, createRedisClient, RedisLedgerStore } from '../../nodes/shared/ledger/redis';
import { describeWithRedisServer, redisForSuite } from '../helpers/redis-server';
import { describeLedgerStoreConformance, makeRecord } from './store-conformance';

describeWithRedisServer('the ledger on Redis', () => {
	const redis = redisForSuite();
	let ledgerSerial = 0;

	const storeFor = (scope: string, ledger = 'invoices', ttlMs?: number) =>
		new RedisLedgerStore({ client: redis.client(), keyPrefix: 'test-ledger', scope, ledger, ttlMs });

	describeLedgerStoreConformance('RedisLedgerStore', async (ledgerName) => {
		ledgerSerial += 1;
		// Named ledgers share one scope: only their names keep them apart.
		const scope = ledgerName === undefined ? `workflow-${ledgerSerial}` : 'workflow-named';
		const name = ledgerName ?? 'invoices';
		return { store: storeFor(scope, name), cleanup: async () => {}, reopen: async () => storeFor(scope, name) };
	});

	describe('as one ledger shared by every n8n process', () => {
		it('keeps a record under {keyPrefix}:{n}:{scope}:{n}:{ledger}:{key}, readable by a new client', async () => {
			const record = makeRecord({ state: 'POSTED', erpId: 'ERP-7' });
			await storeFor('wf-restart').insert(record);

			const afterRestart = createRedisClient({ host: '127.0.0.1', port: redis.port() });
			try {
				const store = new RedisLedgerStore({
					client: afterRestart,
					keyPrefix: 'test-ledger',
					scope: 'wf-restart',
					ledger: 'invoices',
				});
				expect(await store.get(record.key)).toEqual(record);
				expect(store.recordKey(record.key)).toBe(`test-ledger:10:wf-restart:8:invoices:${record.key}`);
				expect(await afterRestart.exists(store.recordKey(record.key))).toBe(1);
			} finally {
				await closeRedisClient(afterRestart);
			}
		});

		it('keeps two workflows apart unless they name the same scope', async () => {
			const key = 'ACME-2025-INV-1';
			const workflowA = storeFor('wf-A');
			const workflowB = storeFor('wf-B');
			const sharedByA = storeFor('shared-invoices');
			const sharedByB = storeFor('shared-invoices');

			expect(await workflowA.insert(makeRecord({ key }))).toEqual({ ok: true });
			expect(await workflowB.insert(makeRecord({ key }))).toEqual({ ok: true });
			expect(await storeFor('wf-A', 'credit-notes').insert(makeRecord({ key }))).toEqual({ ok: true });
			expect(await sharedByA.insert(makeRecord({ key }))).toEqual({ ok: true });
			expect((await sharedByB.insert(makeRecord({ key }))).ok).toBe(false);
			expect(await workflowA.count()).toBe(1);
		});

		it('does not confuse an idempotency key with its index names', async () => {
			const store = storeFor('wf-index-names');
			const odd = makeRecord({ key: 'idx:updated#POSTED', state: 'POSTED' });
			const normal = makeRecord({ state: 'POSTED' });
			await store.insert(odd);
			await store.insert(normal);

			expect(await store.count()).toBe(2);
			expect((await store.list({ states: ['POSTED'] })).map((r) => r.key).sort()).toEqual(
				[normal.key, odd.key].sort(),
			);
		});
	});

	describe('with a Redis expiry (ttlMs)', () => {
		const ttlMs = 300;

		it('lets Redis expire POSTED records, never live or review (FAILED, UNKNOWN) ones', async () => {
			const store = storeFor('wf-expiry', 'invoices', ttlMs);
			const now = Date.now();
			const posted = makeRecord({ state: 'POSTED', updatedAt: now });
			const kept = [makeRecord({ state: 'PENDING', updatedAt: now }), makeRecord({ state: 'FAILED', updatedAt: now }), makeRecord({ state: 'UNKNOWN', updatedAt: now })];
			await store.insert(posted);
			for (const record of kept) await store.insert(record);
			expect(await redis.client().pttl(store.recordKey(posted.key))).toBeGreaterThan(0);
			for (const record of kept) expect(await redis.client().pttl(store.recordKey(record.key))).toBe(-1);

			await waitUntil(async () => (await store.get(posted.key)) === undefined);

			expect(await store.count()).toBe(3);
			expect((await store.list({})).map((record) => record.key).sort()).toEqual(kept.map((record) => record.key).sort());
			for (const record of kept) expect(await store.get(record.key)).toEqual(record);
		});

		it('removes the expiry when a record leaves POSTED, and sets it when it is POSTED again', async () => {
			const store = storeFor('wf-expiry-moves', 'invoices', ttlMs * 100);
			const posted = makeRecord({ state: 'POSTED', erpId: 'E-1', updatedAt: Date.now() });
			const redisKey = store.recordKey(posted.key);
			await store.insert(posted);
			expect(await redis.client().pttl(redisKey)).toBeGreaterThan(0);

			const failed = { ...posted, state: 'FAILED' as const, version: 2 };
			await store.replace(failed, 1);
			expect(await redis.client().pttl(redisKey)).toBe(-1);

			await store.replace({ ...failed, state: 'POSTED', erpId: 'E-2', version: 3 }, 2);
			expect(await redis.client().pttl(redisKey)).toBeGreaterThan(0);
		});

		it('can claim a key again once Redis expired its record', async () => {
			const store = storeFor('wf-expiry-reclaim', 'invoices', ttlMs);
			const posted = makeRecord({ state: 'POSTED', updatedAt: Date.now() });
			await store.insert(posted);
			await waitUntil(async () => (await store.get(posted.key)) === undefined);

			const again = makeRecord({ key: posted.key, state: 'PENDING', updatedAt: Date.now() });
			expect(await store.insert(again)).toEqual({ ok: true });
			expect(await store.list({ states: ['POSTED'] })).toEqual([]);
			expect(await store.list({ states: ['PENDING'] })).toEqual([again]);
			expect(await store.count()).toBe(1);
		});
	});
});

async function waitUntil(condition: () => Promise<boolean>, attempts = 100): Promise<void> {
	for (let attempt = 0; attempt < attempts; attempt++) {
		if (await condition()) return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error('condition not met');
}
