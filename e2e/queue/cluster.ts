// n8n in queue mode for the end-to-end tests: PostgreSQL, a Redis for n8n's job queue, a separate Redis
// for the ledger (so a test can stop the ledger without stopping n8n), main + workers, and the sandbox ERP.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { REPO_ROOT, buildPackage, missingPackageFiles, type N8nInstance, startN8n } from '../lib/runtime';
import { startSandbox, type Sandbox } from '../../sandbox';
import { startPostgresServer, type PostgresServer } from '../../test/helpers/postgres-server';
import { startRedisServer, type RedisServer } from '../../test/helpers/redis-server';

export interface QueueCluster {
	n8n: N8nInstance;
	sandbox: Sandbox;
	postgres: PostgresServer;
	queueRedis: RedisServer;
	ledgerRedis: RedisServer;
	/** Stops everything that was started, by pid, whatever failed; safe to call twice. */
	stop(): Promise<void>;
}

export interface QueueClusterOptions {
	workers?: number;
	/** Build the workflows once the loopback ports (sandbox, ledger Redis) are known. */
	workflows(ports: { erpBaseUrl: string; ledgerRedisPort: number }): object[];
	credentials(ports: { ledgerRedisPort: number }): object[];
	/** Credentials that need the sandbox's URL (an ERP credential). */
	extraCredentials?(ports: { erpBaseUrl: string }): object[];
	waitForWebhooks: string[];
	seed?: number;
	/** More redis-server arguments for the ledger's Redis (e.g. persistence, to stop and restart it with its data). */
	ledgerRedisArgs?: string[];
}

export async function startQueueCluster(options: QueueClusterOptions): Promise<QueueCluster> {
	const started: Array<() => Promise<void>> = [];
	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		// Reverse order: n8n before the servers it uses.
		for (const stopOne of started.reverse()) await stopOne().catch(() => undefined);
	};
	try {
		const sandbox = await startSandbox({ seed: options.seed ?? 9, erps: ['generic'] });
		started.push(() => sandbox.stop());
		const postgres = await startPostgresServer();
		started.push(() => postgres.stop());
		const queueRedis = await startRedisServer();
		started.push(() => queueRedis.stop());
		const ledgerRedis = await startRedisServer({ extraArgs: options.ledgerRedisArgs });
		// The ledger Redis may be stopped and restarted by a test on the same port: stop whichever is current.
		const cluster = { ledgerRedis } as QueueCluster;
		started.push(() => cluster.ledgerRedis.stop());
		const erpBaseUrl = sandbox.urls.generic;
		await buildPackage();
		const packageRoot = loadablePackageRoot();
		if (packageRoot !== REPO_ROOT) started.push(async () => rmSync(packageRoot, { recursive: true, force: true }));
		const n8n = await startN8n({
			packageRoot,
			build: false,
			version: '2.41',
			workers: options.workers ?? 2,
			workflows: options.workflows({ erpBaseUrl, ledgerRedisPort: ledgerRedis.port }),
			credentials: [
				...options.credentials({ ledgerRedisPort: ledgerRedis.port }),
				...(options.extraCredentials?.({ erpBaseUrl }) ?? []),
			],
			waitForWebhooks: options.waitForWebhooks,
			env: {
				...postgres.n8nEnv(),
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: '127.0.0.1',
				QUEUE_BULL_REDIS_PORT: String(queueRedis.port),
				// A worker's job concurrency (overrides `n8n worker --concurrency`, default 10).
				N8N_CONCURRENCY_PRODUCTION_LIMIT: '20',
				OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
				N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '5',
				// Postgres is ours and fresh: no pool waits with 2 workers × 20 jobs.
				DB_POSTGRESDB_POOL_SIZE: '10',
			},
		});
		started.push(() => n8n.dispose());
		Object.assign(cluster, { n8n, sandbox, postgres, queueRedis, stop });
		return cluster;
	} catch (error) {
		await stop();
		throw error;
	}
}

/**
 * n8n loads none of a package whose package.json lists a file dist lacks. While a node listed there is
 * still being written (not built yet), link a package root whose list holds only what dist has, so the
 * nodes these tests use load; once everything is built, the repo root itself.
 */
function loadablePackageRoot(): string {
	const missing = missingPackageFiles();
	if (missing.length === 0) return REPO_ROOT;
	console.log(`queue-mode e2e: dist lacks ${missing.join(', ')}; loading the package without them`);
	const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8'));
	const built = (files: string[] = []) => files.filter((file) => !missing.includes(file));
	manifest.n8n = { ...manifest.n8n, nodes: built(manifest.n8n.nodes), credentials: built(manifest.n8n.credentials) };
	const root = mkdtempSync(join(tmpdir(), 'n8n-package-'));
	writeFileSync(join(root, 'package.json'), JSON.stringify(manifest, null, 2));
	// Symlinks resolve to the repo, so the built files find lodash/luxon/ioredis in its node_modules.
	symlinkSync(join(REPO_ROOT, 'dist'), join(root, 'dist'), 'dir');
	symlinkSync(join(REPO_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
	return root;
}

/** How many executions each worker ran, from its own log ("Worker started execution …"). */
export function executionsPerWorker(n8n: N8nInstance): number[] {
	return n8n.workerLogFiles.map((file) => {
		try {
			return (readFileSync(file, 'utf8').match(/Worker started execution/g) ?? []).length;
		} catch {
			return 0;
		}
	});
}

/** Executions the main process ran itself (in queue mode: none; it only enqueues). */
export function executionsOnMain(n8n: N8nInstance): number {
	try {
		return (readFileSync(n8n.logFile, 'utf8').match(/Worker started execution/g) ?? []).length;
	} catch {
		return 0;
	}
}
