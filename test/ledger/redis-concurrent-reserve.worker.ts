/**
 * One OS process of redis-concurrent-reserve.test.ts: its own client, N concurrent inserts of
 * one key once the parent says "go"; reports how many claimed it.
 */
import { closeRedisClient, createRedisClient, RedisLedgerStore } from '../../nodes/shared/ledger/redis';
import { makeRecord } from './store-conformance';

interface WorkerJob {
	port: number;
	scope: string;
	key: string;
	inserts: number;
	workerId: number;
}

const job = JSON.parse(process.argv[2]) as WorkerJob;
const client = createRedisClient({ host: '127.0.0.1', port: job.port });
const store = new RedisLedgerStore({ client, keyPrefix: 'test-ledger', scope: job.scope, ledger: 'invoices' });

async function main(): Promise<void> {
	await store.count(); // connects (the client has no offline queue)
	process.send!({ ready: true });
	await new Promise<void>((resolve) => process.once('message', () => resolve()));
	const results = await Promise.all(
		Array.from({ length: job.inserts }, async (_, n) =>
			store.insert(makeRecord({ key: job.key, correlationId: `worker-${job.workerId}-delivery-${n}` })),
		),
	);
	const claimedBy = results.flatMap((result, n) => (result.ok ? [`worker-${job.workerId}-delivery-${n}`] : []));
	await closeRedisClient(client);
	process.send!({ claimedBy, refused: results.length - claimedBy.length }, () => process.exit(0));
}

main().catch((error: unknown) => {
	process.send!({ error: String(error) }, () => process.exit(1));
});
