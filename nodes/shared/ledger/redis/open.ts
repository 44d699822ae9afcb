import type { ICredentialDataDecryptedObject, IExecuteFunctions } from 'n8n-workflow';

import type { LedgerOptions } from '../open';
import type { LedgerStore } from '../types';
import { getRedisClient, type RedisCredentials } from './client';
import { RedisLedgerStore } from './store';

/**
 * The `redis` choice of `ledgerStore`: n8n's built-in `redis` credential, the process-wide
 * client for it, and one ledger per workflow (scope = workflow id). Terminal records get a
 * Redis expiry of `ttlHours`; `evict` still enforces TTL and `maxRecords` exactly.
 */
export async function openRedisLedgerStore(
	fns: IExecuteFunctions,
	options: LedgerOptions,
): Promise<LedgerStore> {
	const credentials = await fns.getCredentials<ICredentialDataDecryptedObject>('redis');
	return new RedisLedgerStore({
		client: getRedisClient(redisCredentialsFrom(credentials)),
		keyPrefix: options.keyPrefix,
		scope: String(fns.getWorkflow().id ?? 'unsaved'),
		ledger: options.name,
		ttlMs: options.ttlHours * 3_600_000,
	});
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

