export type { Redis, RedisCredentials } from './client';
export {
	closeCachedRedisClients,
	closeRedisClient,
	createRedisClient,
	getRedisClient,
} from './client';
export { LedgerUnavailableError } from './errors';
export { acquireLease, releaseLease, renewLease } from './lease';
export type { RedisLedgerStoreOptions } from './store';
export { RedisLedgerStore } from './store';
export { openRedisLedgerStore } from './open';
