import type { Redis } from '../../nodes/shared/ledger/redis';
import { closeRedisClient, createRedisClient, RedisLedgerStore } from '../../nodes/shared/ledger/redis';
import { describeWithRedisServer, startRedisServer, type RedisServer } from '../helpers/redis-server';
import { describeLedgerStoreConformance, makeRecord } from './store-conformance';

describeWithRedisServer('the ledger on Redis', () => {
	let server: RedisServer | undefined;
	let client: Redis;
	let ledgerSerial = 0;

	beforeAll(async () => {
		server = await startRedisServer();
		client = createRedisClient({ host: '127.0.0.1', port: server.port });
	});

	afterAll(async () => {
		if (client) await closeRedisClient(client);
		await server?.stop();
	});

	const storeFor = (scope: string, ledger = 'invoices', ttlMs?: number) =>
		new RedisLedgerStore({ client, keyPrefix: 'test-ledger', scope, ledger, ttlMs });

	describeLedgerStoreConformance('RedisLedgerStore', async () => {
		ledgerSerial += 1;
		return { store: storeFor(`workflow-${ledgerSerial}`), cleanup: async () => {} };
	});

	describe('as one ledger shared by every n8n process', () => {
		it('keeps a record under {keyPrefix}:{scope}:{ledger}:{key}, readable by a new client', async () => {
			const record = makeRecord({ state: 'POSTED', erpId: 'ERP-7' });
			await storeFor('wf-restart').insert(record);

			const afterRestart = createRedisClient({ host: '127.0.0.1', port: server!.port });
			try {
				const store = new RedisLedgerStore({
					client: afterRestart,
					keyPrefix: 'test-ledger',
					scope: 'wf-restart',
					ledger: 'invoices',
				});
				expect(await store.get(record.key)).toEqual(record);
				expect(await afterRestart.exists(`test-ledger:wf-restart:invoices:${record.key}`)).toBe(1);
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

		it('lets Redis expire terminal records, never live ones', async () => {
			const store = storeFor('wf-expiry', 'invoices', ttlMs);
			const now = Date.now();
			const posted = makeRecord({ state: 'POSTED', updatedAt: now });
			const pending = makeRecord({ state: 'PENDING', updatedAt: now });
			await store.insert(posted);
			await store.insert(pending);
			expect(await client.pttl(`test-ledger:wf-expiry:invoices:${posted.key}`)).toBeGreaterThan(0);
			expect(await client.pttl(`test-ledger:wf-expiry:invoices:${pending.key}`)).toBe(-1);

			await waitUntil(async () => (await store.get(posted.key)) === undefined);

			expect(await store.count()).toBe(1);
			expect(await store.list({})).toEqual([pending]);
			expect(await store.get(pending.key)).toEqual(pending);
		});

		it('removes the expiry when a record becomes live again, and sets it when it ends', async () => {
			const store = storeFor('wf-expiry-moves', 'invoices', ttlMs * 100);
			const failed = makeRecord({ state: 'FAILED', updatedAt: Date.now() });
			const redisKey = `test-ledger:wf-expiry-moves:invoices:${failed.key}`;
			await store.insert(failed);
			expect(await client.pttl(redisKey)).toBeGreaterThan(0);

			const retry = { ...failed, state: 'RETRY' as const, version: 2 };
			await store.replace(retry, 1);
			expect(await client.pttl(redisKey)).toBe(-1);

			await store.replace({ ...retry, state: 'POSTED', erpId: 'E-2', version: 3 }, 2);
			expect(await client.pttl(redisKey)).toBeGreaterThan(0);
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
