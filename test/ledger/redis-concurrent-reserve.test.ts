import { fork, type ChildProcess } from 'child_process';
import { join } from 'path';

import type { Redis } from '../../nodes/shared/ledger/redis';
import { closeRedisClient, createRedisClient, RedisLedgerStore } from '../../nodes/shared/ledger/redis';
import { describeWithRedisServer, startRedisServer, type RedisServer } from '../helpers/redis-server';

interface WorkerReport {
	ready?: boolean;
	claimedBy?: string[];
	refused?: number;
	error?: string;
}

describeWithRedisServer('queue-mode workers racing for one invoice', () => {
	let server: RedisServer | undefined;
	let client: Redis;
	const workers: ChildProcess[] = [];

	beforeAll(async () => {
		server = await startRedisServer();
		client = createRedisClient({ host: '127.0.0.1', port: server.port });
	});

	afterAll(async () => {
		// Reaped before the suite ends (not only signalled): a worker still exiting kept jest's worker alive.
		await Promise.all(
			workers.map(async (worker) => {
				if (worker.exitCode !== null || worker.signalCode !== null) return;
				const exited = new Promise((resolve) => worker.once('exit', resolve));
				worker.kill('SIGKILL');
				await exited;
			}),
		);
		if (client) await closeRedisClient(client);
		await server?.stop();
	});

	it('lets exactly 1 of 1000 concurrent reserves from 4 OS processes claim the key', async () => {
		const key = 'ACME-2025-11-01-INV-1000';
		const scope = 'wf-queue-mode';
		const reports: Array<Promise<WorkerReport>> = [];
		const ready: Array<Promise<void>> = [];
		for (let workerId = 0; workerId < 4; workerId++) {
			const worker = fork(
				join(__dirname, 'redis-concurrent-reserve.worker.ts'),
				[JSON.stringify({ port: server!.port, scope, key, inserts: 250, workerId })],
				{ execArgv: ['-r', 'ts-node/register/transpile-only'] },
			);
			workers.push(worker);
			ready.push(
				new Promise((resolve, reject) => {
					worker.once('message', (message: WorkerReport) =>
						message.ready ? resolve() : reject(new Error(message.error)),
					);
					worker.once('exit', (code) => reject(new Error(`worker exited with ${code}`)));
				}),
			);
		}
		await Promise.all(ready);
		for (const worker of workers) {
			reports.push(
				new Promise((resolve, reject) => {
					worker.once('message', (message: WorkerReport) =>
						message.error ? reject(new Error(message.error)) : resolve(message),
					);
				}),
			);
		}
		// All four are connected before any inserts, so the 1000 reserves really overlap.
		for (const worker of workers) worker.send('go');

		const results = await Promise.all(reports);

		const claims = results.flatMap((report) => report.claimedBy ?? []);
		expect(claims).toHaveLength(1);
		expect(results.reduce((sum, report) => sum + (report.refused ?? 0), 0)).toBe(999);
		const store = new RedisLedgerStore({ client, keyPrefix: 'test-ledger', scope, ledger: 'invoices' });
		expect((await store.get(key))?.correlationId).toBe(claims[0]);
		expect(await store.count()).toBe(1);
	}, 60_000);
});
