import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { createConnection, createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';

import { closeRedisClient, createRedisClient, type Redis } from '../../nodes/shared/ledger/redis';

/** A real redis-server on a loopback port, with no persistence, in its own temp dir. */
export interface RedisServer {
	port: number;
	pid: number;
	/** Stops the server by pid (SIGTERM, or SIGKILL for a crash) and removes its temp dir; safe to call twice. */
	stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export interface RedisServerOptions {
	/** Reuse a port (to bring the "same" Redis back after a stop). */
	port?: number;
	/** Starts Redis with `requirepass`. */
	password?: string;
	/** More redis-server arguments, e.g. ['--enable-debug-command', 'yes']. */
	extraArgs?: string[];
}

const READY_TIMEOUT_MS = 10_000;

export function isRedisServerInstalled(): boolean {
	return spawnSync('redis-server', ['--version']).status === 0;
}

/**
 * `describe` when redis-server is installed; otherwise the block is skipped with a printed
 * reason — except under CI, where a missing redis-server fails loudly.
 */
export function describeWithRedisServer(name: string, body: () => void): void {
	if (isRedisServerInstalled()) {
		describe(name, body);
		return;
	}
	if (process.env.CI) {
		throw new Error(
			'redis-server is not installed but CI is set: run `apt-get install -y redis-server`',
		);
	}
	console.warn(
		`Skipping "${name}": redis-server is not installed (apt-get install -y redis-server)`,
	);
	describe.skip(name, body);
}

export async function freeLoopbackPort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const probe = createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const address = probe.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			probe.close(() => resolve(port));
		});
	});
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
	const port = options.port ?? (await freeLoopbackPort());
	const dir = mkdtempSync(join(tmpdir(), 'ledger-redis-'));
	const args = [
		'--port', String(port),
		'--bind', '127.0.0.1',
		'--dir', dir,
		'--save', '',
		'--appendonly', 'no',
		'--daemonize', 'no',
		'--loglevel', 'warning',
	];
	if (options.password) args.push('--requirepass', options.password);
	args.push(...(options.extraArgs ?? []));
	const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
	let stderr = '';
	child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

	const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
		await stopChild(child, signal);
		rmSync(dir, { recursive: true, force: true });
	};
	try {
		await waitUntilAcceptingConnections(port, child);
	} catch (error) {
		await stop();
		throw new Error(`redis-server did not start on port ${port}: ${String(error)} ${stderr}`);
	}
	return { port, pid: child.pid as number, stop };
}

async function waitUntilAcceptingConnections(port: number, child: ChildProcess): Promise<void> {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
		// Any reply (PONG or NOAUTH) means the server accepts commands.
		if (await answersPing(port)) return;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
	throw new Error('timed out');
}

async function answersPing(port: number): Promise<boolean> {
	return await new Promise((resolve) => {
		const socket = createConnection({ host: '127.0.0.1', port });
		socket.once('error', () => resolve(false));
		socket.once('data', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('connect', () => socket.write('PING\r\n'));
	});
}

async function stopChild(child: ChildProcess, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	process.kill(child.pid, signal);
	const killTimer = setTimeout(() => {
		if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
			process.kill(child.pid, 'SIGKILL');
		}
	}, 5000);
	await exited;
	clearTimeout(killTimer);
}

/**
 * A Redis server and one client of ours for the enclosing describe block, both stopped after it (also
 * when a test failed). Call the returned functions inside tests and hooks, once beforeAll has run.
 */
export function redisForSuite(): { client: () => Redis; port: () => number } {
	let server: RedisServer | undefined;
	let client: Redis | undefined;
	beforeAll(async () => {
		server = await startRedisServer();
		client = createRedisClient({ host: '127.0.0.1', port: server.port });
	});
	afterAll(async () => {
		if (client) await closeRedisClient(client);
		await server?.stop();
	});
	return { client: () => client!, port: () => server!.port };
}
