import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'fs';
import { tmpdir, userInfo } from 'os';
import { join } from 'path';

import { freeLoopbackPort } from './redis-server';

/** A real PostgreSQL (Debian's) on a loopback port, in its own temp dir, with one database for n8n. */
export interface PostgresServer {
	host: '127.0.0.1';
	port: number;
	pid: number;
	database: string;
	user: string;
	password: string;
	/** The DB_POSTGRESDB_* / DB_TYPE variables n8n needs to use this server. */
	n8nEnv(): Record<string, string>;
	/** Stops the server by its postmaster pid (fast shutdown, SIGKILL after 10 s) and removes its temp dir; safe to call twice. */
	stop(): Promise<void>;
}

export interface PostgresServerOptions {
	database?: string;
}

const READY_TIMEOUT_MS = 30_000;
// Postgres refuses to run as root: as root we run it as Debian's `postgres` user.
const SERVICE_USER = 'postgres';
const DB_USER = 'n8n';
// A throwaway password for a server bound to loopback that lives for one test run.
const DB_PASSWORD = 'n8n-e2e-local';

/** The folder with initdb/postgres/psql: Debian installs them under /usr/lib/postgresql/<version>/bin. */
export function postgresBinDir(): string | undefined {
	const root = '/usr/lib/postgresql';
	if (!existsSync(root)) return undefined;
	const versions = readdirSync(root)
		.filter((entry) => existsSync(join(root, entry, 'bin', 'initdb')))
		.sort((a, b) => Number(b) - Number(a));
	return versions.length > 0 ? join(root, versions[0], 'bin') : undefined;
}

export function isPostgresInstalled(): boolean {
	return postgresBinDir() !== undefined;
}

const runsAsRoot = () => userInfo().uid === 0;

/** Runs a Postgres binary as the user who owns the data directory. */
function asServiceUser(binary: string, args: string[]): { command: string; args: string[] } {
	return runsAsRoot() ? { command: 'runuser', args: ['-u', SERVICE_USER, '--', binary, ...args] } : { command: binary, args };
}

function runToCompletion(binary: string, args: string[], input?: string): void {
	const { command, args: fullArgs } = asServiceUser(binary, args);
	const result = spawnSync(command, fullArgs, { input, encoding: 'utf8' });
	if (result.status !== 0) {
		throw new Error(`${binary.split('/').pop()} failed (${result.status}): ${result.stderr || result.stdout}`);
	}
}

export async function startPostgresServer(options: PostgresServerOptions = {}): Promise<PostgresServer> {
	const bin = postgresBinDir();
	if (!bin) throw new Error('PostgreSQL is not installed: apt-get install -y postgresql');
	const database = options.database ?? 'n8n';
	const port = await freeLoopbackPort();
	const dir = mkdtempSync(join(tmpdir(), 'n8n-postgres-'));
	const dataDir = join(dir, 'data');
	const socketDir = join(dir, 'socket');
	if (runsAsRoot()) {
		const { uid, gid } = serviceUserIds();
		chownSync(dir, uid, gid);
	}
	chmodSync(dir, 0o700);

	let child: ChildProcess | undefined;
	let postmasterPid: number | undefined;
	const stop = async () => {
		if (child) await stopServer(child, postmasterPid);
		rmSync(dir, { recursive: true, force: true });
	};
	try {
		runToCompletion('/usr/bin/mkdir', ['-p', socketDir]);
		runToCompletion(join(bin, 'initdb'), [
			'-D', dataDir,
			'-U', SERVICE_USER,
			// The socket (in our private temp dir) is trusted for set-up; TCP clients (n8n) need the password.
			'--auth-local=trust',
			'--auth-host=scram-sha-256',
			'--encoding=UTF8',
			'--no-sync',
		]);
		const server = asServiceUser(join(bin, 'postgres'), [
			'-D', dataDir,
			'-p', String(port),
			'-c', 'listen_addresses=127.0.0.1',
			'-c', `unix_socket_directories=${socketDir}`,
			// A test database: durability across a machine crash buys nothing and costs seconds.
			'-c', 'fsync=off',
			'-c', 'synchronous_commit=off',
			'-c', 'full_page_writes=off',
			'-c', 'max_connections=100',
		]);
		let output = '';
		child = spawn(server.command, server.args, { stdio: ['ignore', 'pipe', 'pipe'] });
		child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
		await waitUntilReady(bin, port, socketDir, child, () => output);
		// The server's own pid (runuser is its parent when we run as root): what stop() signals.
		postmasterPid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
		const sql =
			`CREATE ROLE ${DB_USER} LOGIN PASSWORD '${DB_PASSWORD}';\n` +
			`CREATE DATABASE ${database} OWNER ${DB_USER};\n`;
		runToCompletion(join(bin, 'psql'), ['-h', socketDir, '-p', String(port), '-U', SERVICE_USER, '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-q', '-f', '-'], sql);
	} catch (error) {
		await stop();
		throw error;
	}
	return {
		host: '127.0.0.1',
		port,
		pid: postmasterPid ?? (child.pid as number),
		database,
		user: DB_USER,
		password: DB_PASSWORD,
		n8nEnv: () => ({
			DB_TYPE: 'postgresdb',
			DB_POSTGRESDB_HOST: '127.0.0.1',
			DB_POSTGRESDB_PORT: String(port),
			DB_POSTGRESDB_DATABASE: database,
			DB_POSTGRESDB_USER: DB_USER,
			DB_POSTGRESDB_PASSWORD: DB_PASSWORD,
		}),
		stop,
	};
}

function serviceUserIds(): { uid: number; gid: number } {
	const uid = Number(spawnSync('id', ['-u', SERVICE_USER], { encoding: 'utf8' }).stdout.trim());
	const gid = Number(spawnSync('id', ['-g', SERVICE_USER], { encoding: 'utf8' }).stdout.trim());
	if (!Number.isInteger(uid) || !Number.isInteger(gid) || uid <= 0) {
		throw new Error(`Running as root needs the "${SERVICE_USER}" user (Debian's postgresql package creates it)`);
	}
	return { uid, gid };
}

async function waitUntilReady(
	bin: string,
	port: number,
	socketDir: string,
	child: ChildProcess,
	output: () => string,
): Promise<void> {
	const deadline = Date.now() + READY_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${output()}`);
		const ready = spawnSync(join(bin, 'pg_isready'), ['-h', socketDir, '-p', String(port), '-q']);
		if (ready.status === 0) return;
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(`postgres did not get ready on port ${port}: ${output()}`);
}

async function stopServer(child: ChildProcess, postmasterPid: number | undefined): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
	const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
	const target = postmasterPid ?? child.pid;
	// SIGINT is Postgres's "fast" shutdown: open n8n connections do not keep it waiting.
	signalQuietly(target, 'SIGINT');
	const killTimer = setTimeout(() => {
		signalQuietly(target, 'SIGKILL');
		if (child.pid !== undefined) signalQuietly(child.pid, 'SIGKILL');
	}, 10_000);
	await exited;
	clearTimeout(killTimer);
}

function signalQuietly(pid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(pid, signal);
	} catch {
		// Already gone.
	}
}
