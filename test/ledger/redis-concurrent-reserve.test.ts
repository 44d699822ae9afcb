import { fork, type ChildProcess } from 'child_process';
import { join } from 'path';

import type { Redis } from '../../nodes/shared/ledger/redis';
import { closeRedisClient, createRedisClient, RedisLedgerStore } from '../../nodes/shared/ledger/redis';
import { describeWithRedisServer, startRedisServer, type RedisServer } from '../helpers/redis-server';
import { transpileForFork, type TranspiledEntry } from '../helpers/transpile-for-fork';

interface WorkerReport {
	ready?: boolean;
	claimedBy?: string[];
	refused?: number;
	error?: string;
}

describeWithRedisServer('queue-mode workers racing for one invoice', () => {
	let server: RedisServer | undefined;
	let client: Redis;
	let worker: TranspiledEntry | undefined;
	const workers: ChildProcess[] = [];

	beforeAll(async () => {
		server = await startRedisServer();
		client = createRedisClient({ host: '127.0.0.1', port: server.port });
		worker = transpileForFork(join(__dirname, 'redis-concurrent-reserve.worker.ts'));
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
		worker?.remove();
	});

	it('lets exactly 1 of 1000 concurrent reserves from 4 OS processes claim the key', async () => {
		const key = 'ACME-2025-11-01-INV-1000';
		const scope = 'wf-queue-mode';
		const reports: Array<Promise<WorkerReport>> = [];
		const ready: Array<Promise<void>> = [];
		for (let workerId = 0; workerId < 4; workerId++) {
			// Plain node on transpiled JS (execArgv cleared: jest's own flags are not the child's).
			const child = fork(
				worker!.file,
				[JSON.stringify({ port: server!.port, scope, key, inserts: 250, workerId })],
				{ env: worker!.env, execArgv: [] },
			);
			workers.push(child);
			// A child that dies before it reports fails the test at once instead of at the timeout
			// ('close' comes after its last IPC message, 'exit' may come before).
			const died = new Promise<never>((_, reject) =>
				child.once('close', (code, signal) =>
					reject(new Error(`worker ${workerId} exited with ${code ?? signal}`)),
				),
			);
			died.catch(() => undefined);
			ready.push(
				Promise.race([
					new Promise<void>((resolve, reject) => {
						child.once('message', (message: WorkerReport) =>
							message.ready ? resolve() : reject(new Error(message.error)),
						);
					}),
					died,
				]),
			);
			reports.push(
				ready[workerId].then(() =>
					Promise.race([
						new Promise<WorkerReport>((resolve, reject) => {
							child.once('message', (message: WorkerReport) =>
								message.error ? reject(new Error(message.error)) : resolve(message),
							);
						}),
						died,
					]),
				),
			);
		}
		// Awaited below; marked handled so a worker failing before "ready" reports one error, not two.
		for (const report of reports) report.catch(() => undefined);
		await Promise.all(ready);
		// All four are connected before any inserts, so the 1000 reserves really overlap.
		for (const child of workers) child.send('go');

		const results = await Promise.all(reports);

		const claims = results.flatMap((report) => report.claimedBy ?? []);
		expect(claims).toHaveLength(1);
		expect(results.reduce((sum, report) => sum + (report.refused ?? 0), 0)).toBe(999);
		const store = new RedisLedgerStore({ client, keyPrefix: 'test-ledger', scope, ledger: 'invoices' });
		expect((await store.get(key))?.correlationId).toBe(claims[0]);
		expect(await store.count()).toBe(1);
	}, 60_000);
});
