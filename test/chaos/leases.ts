import type Redis from 'ioredis';

import { MAX_CLOCK_SKEW_MS } from '../../nodes/shared/ledger/ledger';
import { ledgerKeys } from '../../nodes/shared/ledger/redis/keys';
import { RedisLedgerStore } from '../../nodes/shared/ledger/redis/store';
import { decodeRecord, encodeRecord } from '../../nodes/shared/ledger/staticData/compact';
import { escapePersistedKey, ledgerTable } from '../../nodes/shared/ledger/staticData/registry';
import { persistTuple, StaticDataLedgerStore } from '../../nodes/shared/ledger/staticData/store';
import { LEDGER_STATES, type LedgerStore } from '../../nodes/shared/ledger/types';

/**
 * The harness's view into a running ledger, for the slow-run cell: it makes leases run out as time
 * passing would — `leaseUntil` moved into the past, beyond the takeover margin — and nothing else. Time
 * passing bumps no version and changes no correlation id, so the holder's fence (version + correlation
 * id) still matches: only another execution's takeover can tell it that the key is gone.
 */
export interface LeaseProbe {
	/**
	 * Expires every PENDING record (only `owner`'s when given) and returns what it touched: key → the
	 * holder (correlation id, owner) at that moment.
	 */
	expire(owner?: string): Promise<Map<string, { correlationId: string; owner: string }>>;
	/** The correlation id each key is held or was settled under now (absent: no record). */
	correlationIds(keys: string[]): Promise<Map<string, string>>;
}

/** How far into the past a lease is put: beyond the skew a taker tolerates, and then some. */
export const EXPIRED_BY_MS = MAX_CLOCK_SKEW_MS + 1_000;

/** Static data: the process registry holds each record as a compact tuple; it is rewritten in place, and its durable copy (if static data holds one) with it. */
export function staticDataLeaseProbe(workflowId: string, ledger: string): LeaseProbe {
	const table = ledgerTable(workflowId, ledger);
	return {
		async expire(owner) {
			const touched = new Map<string, { correlationId: string; owner: string }>();
			const until = Date.now() - EXPIRED_BY_MS;
			for (const [key, tuple] of table.records) {
				const record = decodeRecord(key, tuple);
				if (!record || record.state !== 'PENDING' || (owner !== undefined && record.owner !== owner)) continue;
				// Same fields, same version, same correlation id; only the lease's end moves.
				tuple.splice(0, tuple.length, ...encodeRecord({ ...record, leaseUntil: until }));
				if (table.persisted.r[escapePersistedKey(key)] !== undefined) persistTuple(table, key, tuple);
				touched.set(key, { correlationId: record.correlationId, owner: record.owner ?? '' });
			}
			return touched;
		},
		correlationIds: async (keys) => await correlationIdsIn(new StaticDataLedgerStore(table, {}, ledger), keys),
	};
}

/**
 * Redis: a record is a hash {v, s, r: record JSON}, with a sorted set of the PENDING keys. One script
 * rewrites only the JSON's leaseUntil (text replace: every other byte of the record stays as written),
 * atomically against the workers' compare-and-set writes, and reads "now" from the Redis server's clock
 * — the clock leases are judged by on Redis.
 */
const EXPIRE_SCRIPT = `
local now = redis.call('TIME')
local untilMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000) - tonumber(ARGV[2])
local touched = {}
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local recordKey = ARGV[1] .. member
  local stored = redis.call('HMGET', recordKey, 's', 'r')
  if stored[1] == 'PENDING' and stored[2] then
    local record = cjson.decode(stored[2])
    if ARGV[3] == '' or record.owner == ARGV[3] then
      local json, replaced = string.gsub(stored[2], '"leaseUntil":%-?%d+', '"leaseUntil":' .. string.format('%d', untilMs), 1)
      if replaced == 1 then
        redis.call('HSET', recordKey, 'r', json)
        table.insert(touched, json)
      end
    end
  end
end
return touched
`;

export function redisLeaseProbe(redis: Redis, keyPrefix: string, workflowId: string, ledger: string): LeaseProbe {
	const keys = ledgerKeys(keyPrefix, workflowId, ledger);
	const pendingIndex = keys.stateIndexes[LEDGER_STATES.indexOf('PENDING')];
	const parse = (json: string) => JSON.parse(json) as { key: string; correlationId: string; owner?: string };
	return {
		async expire(owner) {
			const jsons = (await redis.eval(EXPIRE_SCRIPT, 1, pendingIndex, keys.recordPrefix, EXPIRED_BY_MS, owner ?? '')) as string[];
			const touched = new Map<string, { correlationId: string; owner: string }>();
			for (const record of jsons.map(parse)) touched.set(record.key, { correlationId: record.correlationId, owner: record.owner ?? '' });
			return touched;
		},
		correlationIds: async (wanted) => await correlationIdsIn(new RedisLedgerStore({ client: redis, keyPrefix, scope: workflowId, ledger }), wanted),
	};
}

/** Read through the ledger's own store, so the probe shares its key layout instead of restating it. */
async function correlationIdsIn(store: LedgerStore, keys: string[]): Promise<Map<string, string>> {
	const records = await store.getMany(keys);
	return new Map([...records].map(([key, record]) => [key, record.correlationId]));
}
