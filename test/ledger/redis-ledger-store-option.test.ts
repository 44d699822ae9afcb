import type { IExecuteFunctions } from 'n8n-workflow';

import { openLedger } from '../../nodes/shared/ledger/open';
import type { Redis } from '../../nodes/shared/ledger/redis';
import { closeCachedRedisClients, closeRedisClient, createRedisClient } from '../../nodes/shared/ledger/redis';
import { describeWithRedisServer, startRedisServer, type RedisServer } from '../helpers/redis-server';
import { makeRecord } from './store-conformance';

describeWithRedisServer('choosing ledgerStore "redis" on a node', () => {
	let server: RedisServer | undefined;
	let inspector: Redis;

	beforeAll(async () => {
		server = await startRedisServer({ password: 'queue-mode-secret' });
		inspector = createRedisClient({ host: '127.0.0.1', port: server.port, password: 'queue-mode-secret' });
	});

	afterAll(async () => {
		await closeCachedRedisClients();
		if (inspector) await closeRedisClient(inspector);
		await server?.stop();
	});

	function executionOf(workflowId: string): IExecuteFunctions {
		const fns: Partial<IExecuteFunctions> = {
			getCredentials: (async (type: string) => {
				expect(type).toBe('redis');
				return { host: '127.0.0.1', port: server!.port, password: 'queue-mode-secret', database: 0 };
			}) as IExecuteFunctions['getCredentials'],
			getWorkflow: () => ({ id: workflowId, name: 'post invoices', active: true }),
			getMode: () => 'webhook',
			addExecutionHints: () => {},
		};
		return fns as IExecuteFunctions;
	}

	const options = { name: 'invoices', store: 'redis' as const, keyPrefix: 'n8n-idem', ttlHours: 720, maxRecords: 50000 };

	it('keeps the ledger in Redis under the workflow, shared by every execution', async () => {
		const first = await openLedger(executionOf('wf-42'), options);
		const second = await openLedger(executionOf('wf-42'), options);
		const record = makeRecord({ state: 'POSTED', updatedAt: Date.now() });

		expect(await first.ledger.store.insert(record)).toEqual({ ok: true });
		expect((await second.ledger.store.insert(record)).ok).toBe(false);
		await first.close();
		await second.close();

		const redisKey = `n8n-idem:5:wf-42:8:invoices:${record.key}`;
		expect(await inspector.hget(redisKey, 's')).toBe('POSTED');
		expect(await inspector.pttl(redisKey)).toBeGreaterThan(0);
	});

	it('shares a ledger by name across workflows only when Ledger Scope says so', async () => {
		const shared = { ...options, name: 'catch-up', shared: true };
		const receiver = await openLedger(executionOf('wf-webhook-receiver'), shared);
		const nightly = await openLedger(executionOf('wf-nightly-catch-up'), shared);
		const separate = await openLedger(executionOf('wf-nightly-catch-up'), { ...shared, shared: false });
		const request = { key: 'ACME-INV-77', fingerprint: 'fp', reference: 'INV-77', correlationId: 'receiver-run', leaseMs: 60_000, takeOverUnknown: true };

		expect((await receiver.ledger.reserve(request)).decision).toBe('new');
		await receiver.ledger.markPosted(request.key, { erpId: 'ERP-77' });

		const again = await nightly.ledger.reserve({ ...request, correlationId: 'nightly-run' });
		expect(again.decision).toBe('duplicate');
		expect(again.record.erpId).toBe('ERP-77');
		expect((await separate.ledger.reserve({ ...request, correlationId: 'nightly-own-ledger' })).decision).toBe('new');
		for (const session of [receiver, nightly, separate]) await session.close();
	});

	it("judges another worker's lease by the Redis server's clock, not by its own wall clock", async () => {
		const request = { key: 'ACME-INV-SKEW', fingerprint: 'fp', reference: 'INV-SKEW', correlationId: 'worker-a-run', leaseMs: 5 * 60_000, takeOverUnknown: true };
		const workerA = await openLedger(executionOf('wf-skew'), options);
		expect((await workerA.ledger.reserve(request)).decision).toBe('new');

		// Worker B's wall clock runs 10 minutes ahead: by its own clock, A's 5-minute lease ran out.
		const realNow = Date.now;
		const ahead = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 10 * 60_000);
		try {
			const workerB = await openLedger(executionOf('wf-skew'), options);
			const seen = await workerB.ledger.reserve({ ...request, correlationId: 'worker-b-run' });
			expect(seen.decision).toBe('inProgress');
			expect(seen.record.correlationId).toBe('worker-a-run');
			await workerB.close();
		} finally {
			ahead.mockRestore();
		}
		await workerA.close();
	});

	it('moves a ledger written in the earlier key layout to the current one, and reads every record', async () => {
		const legacy = 'n8n-idem:wf-legacy:invoices';
		const records = [
			makeRecord({ key: 'OLD-POSTED', state: 'POSTED', erpId: 'ERP-1', updatedAt: Date.now() }),
			makeRecord({ key: 'OLD-FAILED', state: 'FAILED', error: 'VAT', updatedAt: Date.now() }),
			makeRecord({ key: '!starts-with-bang', state: 'PENDING', updatedAt: Date.now(), leaseUntil: Date.now() + 60_000 }),
		];
		for (const record of records) {
			await inspector.hset(`${legacy}:${record.key}`, 'v', record.version, 's', record.state, 'r', JSON.stringify(record));
			await inspector.zadd(`${legacy}#${record.state}`, record.updatedAt, record.key);
		}
		// The earlier layout let Redis expire FAILED records with the TTL: review records stay now.
		await inspector.pexpire(`${legacy}:OLD-FAILED`, 3_600_000);

		const session = await openLedger(executionOf('wf-legacy'), options);

		for (const record of records) expect(await session.ledger.get(record.key)).toEqual(record);
		expect(await session.ledger.store.count()).toBe(3);
		expect((await session.ledger.list({ states: ['FAILED'] })).map((record) => record.key)).toEqual(['OLD-FAILED']);
		expect(await inspector.keys(`${legacy}*`)).toEqual([]);
		expect(await inspector.pttl('n8n-idem:9:wf-legacy:8:invoices:OLD-FAILED')).toBe(-1);
		expect((await session.ledger.reserve({ key: 'OLD-POSTED', fingerprint: records[0].fingerprint, reference: 'r', correlationId: 'c', leaseMs: 1000, takeOverUnknown: true })).decision).toBe('duplicate');
		await session.close();
	});
});
