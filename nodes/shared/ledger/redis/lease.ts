import type { Redis } from './client';
import { withRedis } from './client';
import { luaScript, runScript } from './scripts';

/**
 * A lease key always carries an expiry. One without (restored from a dump after a failover, set by
 * hand) would block the account for ever, so acquiring gives it one: it frees within `ttlMs`.
 */
const ACQUIRE = luaScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return 1 end
if redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/**
 * A lease across n8n processes (per-account limits, e.g. FreeAgent's one-at-a-time rule):
 * whoever set the key holds it until it releases it or `ttlMs` passes, so a crashed holder
 * cannot block the account for longer than the TTL. Only the holder may release or renew it.
 */
export async function acquireLease(
	client: Redis,
	name: string,
	holder: string,
	ttlMs: number,
): Promise<boolean> {
	const acquired = await withRedis(client, async () => runScript(client, ACQUIRE, [name], [holder, ttlMs]));
	return acquired === 1;
}

const RELEASE_IF_HELD = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

const RENEW_IF_HELD = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`);

/** Releases the lease if `holder` still holds it; false when it had expired or another holds it. */
export async function releaseLease(client: Redis, name: string, holder: string): Promise<boolean> {
	const released = await withRedis(client, async () =>
		runScript(client, RELEASE_IF_HELD, [name], [holder]),
	);
	return released === 1;
}

/** Extends the lease to `ttlMs` from now if `holder` still holds it (a long post keeps its slot). */
export async function renewLease(
	client: Redis,
	name: string,
	holder: string,
	ttlMs: number,
): Promise<boolean> {
	const renewed = await withRedis(client, async () =>
		runScript(client, RENEW_IF_HELD, [name], [holder, ttlMs]),
	);
	return renewed === 1;
}
