import { createHash } from 'crypto';
// eslint-disable-next-line @n8n/community-nodes/no-restricted-imports -- ioredis is the Redis ledger's one runtime dependency (issue 9; README says so)
import Redis from 'ioredis';

import { ledgerUnavailable, LedgerUnavailableError } from './errors';

export type { Redis };

/** The fields of n8n's built-in `redis` credential type. */
export interface RedisCredentials {
	host: string;
	port: number;
	password?: string;
	user?: string;
	database?: number;
	ssl?: boolean;
	disableTlsVerification?: boolean;
}

const CONNECT_TIMEOUT_MS = 2000;
// Bounds a command Redis accepted but never answered (a hung server); a timed-out write is
// reported as unavailable, and the Ledger treats the key as unresolved, never as new.
const COMMAND_TIMEOUT_MS = 5000;
const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * A client that fails fast instead of queueing: no offline queue (a command while Redis is down
 * rejects at once), one retry per request, and no resend of in-flight commands after a reconnect —
 * a resent insert would find its own record and read as a duplicate of itself.
 */
export function createRedisClient(credentials: RedisCredentials): Redis {
	const client = new Redis({
		host: credentials.host,
		port: credentials.port,
		username: credentials.user || undefined,
		password: credentials.password || undefined,
		db: credentials.database ?? 0,
		tls: credentials.ssl
			? { servername: credentials.host, rejectUnauthorized: !credentials.disableTlsVerification }
			: undefined,
		connectTimeout: CONNECT_TIMEOUT_MS,
		commandTimeout: COMMAND_TIMEOUT_MS,
		maxRetriesPerRequest: 1,
		enableOfflineQueue: false,
		autoResendUnfulfilledCommands: false,
		// Keep reconnecting in the background so the shared client recovers when Redis returns.
		retryStrategy: (attempt: number) => Math.min(attempt * 200, MAX_RECONNECT_DELAY_MS),
	});
	connectionStateOf(client);
	return client;
}

const cachedClients = new Map<string, Redis>();

/**
 * One client per Redis for the whole n8n process, shared by every execution: connections are
 * reused and need no closing per execution. A client that was ended is replaced.
 */
export function getRedisClient(credentials: RedisCredentials): Redis {
	const cacheKey = connectionCacheKey(credentials);
	const cached = cachedClients.get(cacheKey);
	if (cached && cached.status !== 'end') return cached;
	const client = createRedisClient(credentials);
	cachedClients.set(cacheKey, client);
	return client;
}

/** Closes every cached client (tests, shutdown). */
export async function closeCachedRedisClients(): Promise<void> {
	const clients = [...cachedClients.values()];
	cachedClients.clear();
	await Promise.all(clients.map(closeRedisClient));
}

/** Disconnects without waiting for pending replies, and resolves once the socket is gone. */
export async function closeRedisClient(client: Redis): Promise<void> {
	const hasSocket = ['connecting', 'connect', 'ready'].includes(client.status);
	const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
	client.disconnect();
	// Between reconnect attempts there is no socket to wait for: disconnect only cancels the next attempt.
	if (hasSocket) await ended;
}

function connectionCacheKey(credentials: RedisCredentials): string {
	// The password is part of the identity but is never kept in clear outside the client.
	const passwordDigest = createHash('sha256')
		.update(credentials.password ?? '')
		.digest('hex');
	return JSON.stringify([
		credentials.host,
		credentials.port,
		credentials.user ?? '',
		credentials.database ?? 0,
		Boolean(credentials.ssl),
		Boolean(credentials.disableTlsVerification),
		passwordDigest,
	]);
}

interface ConnectionState {
	lastError?: string;
	/** Rejects when the current connection closes, so in-flight commands fail at once instead of waiting for their timeout. */
	dropped: Promise<never>;
	rejectDropped: (error: Error) => void;
}

const connectionStates = new WeakMap<Redis, ConnectionState>();

function connectionStateOf(client: Redis): ConnectionState {
	let state = connectionStates.get(client);
	if (state) return state;
	const fresh: ConnectionState = { ...newDropSignal() };
	connectionStates.set(client, fresh);
	// Without a listener ioredis prints every connection error; we keep the last one for messages.
	client.on('error', (error: Error) => {
		fresh.lastError = error.message;
	});
	client.on('ready', () => {
		fresh.lastError = undefined;
		Object.assign(fresh, newDropSignal());
	});
	client.on('close', () => {
		fresh.rejectDropped(ledgerUnavailable('connection to Redis closed'));
	});
	state = fresh;
	return state;
}

function newDropSignal(): Pick<ConnectionState, 'dropped' | 'rejectDropped'> {
	let rejectDropped: (error: Error) => void = () => {};
	const dropped = new Promise<never>((_resolve, reject) => {
		rejectDropped = reject;
	});
	// Nobody may be waiting on this connection when it drops.
	dropped.catch(() => {});
	return { dropped, rejectDropped };
}

/** Resolves when the client can take commands; rejects at once when Redis is known to be down. */
async function whenReady(client: Redis): Promise<void> {
	const state = connectionStateOf(client);
	switch (client.status) {
		case 'ready':
			return;
		case 'wait':
			await client.connect();
			return;
		case 'connecting':
		case 'connect':
			await new Promise<void>((resolve, reject) => {
				const onReady = () => settle(resolve);
				const onError = (error: Error) => settle(() => reject(error));
				const onEnd = () => settle(() => reject(new Error('connection ended')));
				const settle = (finish: () => void) => {
					client.off('ready', onReady);
					client.off('error', onError);
					client.off('end', onEnd);
					finish();
				};
				client.once('ready', onReady);
				client.once('error', onError);
				client.once('end', onEnd);
			});
			return;
		default:
			// 'reconnecting', 'close', 'end': Redis was reachable and is not now — fail fast.
			throw new Error(state.lastError ?? `no connection to Redis (${client.status})`);
	}
}

/**
 * Runs one ledger operation against Redis: waits for a first connection, fails fast when Redis
 * is down or the connection drops mid-command, and turns every failure into a
 * LedgerUnavailableError whose message carries no credentials.
 */
export async function withRedis<T>(client: Redis, operation: () => Promise<T>): Promise<T> {
	try {
		await whenReady(client);
		return await Promise.race([operation(), connectionStateOf(client).dropped]);
	} catch (error) {
		const unavailable =
			error instanceof LedgerUnavailableError
				? error
				: ledgerUnavailable(redactedReason(client, error));
		throw unavailable;
	}
}

function redactedReason(client: Redis, error: unknown): string {
	let reason = (error instanceof Error ? error.message : String(error)).replace(/^Error: /, '');
	const password = client.options.password;
	if (password) reason = reason.split(password).join('***');
	return reason;
}
