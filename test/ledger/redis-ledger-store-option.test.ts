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

		expect(await inspector.hget(`n8n-idem:wf-42:invoices:${record.key}`, 's')).toBe('POSTED');
		expect(await inspector.pttl(`n8n-idem:wf-42:invoices:${record.key}`)).toBeGreaterThan(0);
	});
});
