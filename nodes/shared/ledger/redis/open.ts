import type { ICredentialDataDecryptedObject, IExecuteFunctions } from 'n8n-workflow';

import type { LedgerOptions } from '../open';
import { getRedisClient, type RedisCredentials } from './client';
import { redisServerClock } from './clock';
import { SHARED_SCOPE } from './keys';
import { RedisLedgerStore } from './store';

/** Ledgers this process already moved from the legacy key layout (keys.ts), by their Redis prefix. */
const migrated = new Set<string>();

/**
 * The `redis` choice of `ledgerStore`: n8n's built-in `redis` credential, the process-wide
 * client for it, and one ledger per workflow (scope = workflow id) unless Ledger Scope shares it by
 * name across workflows. POSTED records get a Redis expiry of `ttlHours`; `evict` still enforces TTL
 * and `maxRecords` exactly. Leases are judged by the Redis server's clock (clock.ts).
 */
export async function openRedisLedgerStore(
	fns: IExecuteFunctions,
	options: LedgerOptions,
): Promise<{ store: RedisLedgerStore; clock: () => number }> {
	const credentials = redisCredentialsFrom(await fns.getCredentials<ICredentialDataDecryptedObject>('redis'));
	const client = getRedisClient(credentials);
	const clock = await redisServerClock(client);
	const scope = options.shared ? SHARED_SCOPE : String(fns.getWorkflow().id ?? 'unsaved');
	const store = new RedisLedgerStore({
		client,
		keyPrefix: options.keyPrefix,
		scope,
		ledger: options.name,
		ttlMs: options.ttlHours * 3_600_000,
		clock,
	});
	const migrationId = JSON.stringify([credentials.host, credentials.port, credentials.database, store.recordKey('')]);
	if (!migrated.has(migrationId)) {
		await store.migrateLegacyKeys();
		migrated.add(migrationId);
	}
	return { store, clock };
}

export function redisCredentialsFrom(data: ICredentialDataDecryptedObject): RedisCredentials {
	return {
		host: String(data.host ?? 'localhost'),
		port: Number(data.port ?? 6379),
		password: data.password ? String(data.password) : undefined,
		user: data.user ? String(data.user) : undefined,
		database: Number(data.database ?? 0),
		ssl: data.ssl === true,
		disableTlsVerification: data.disableTlsVerification === true,
	};
}
