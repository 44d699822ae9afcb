import { createHash } from 'crypto';

import { EVICTABLE_STATES, LEDGER_STATES } from '../types';
import type { Redis } from './client';

/**
 * Lua scripts: each ledger primitive is one script, so Redis runs it atomically.
 *
 * Layout (see store.ts): a record is a hash {v: version, s: state, r: record JSON}; each state
 * has a sorted set of record keys scored by updatedAt. Every script receives the five state indexes as
 * KEYS[1..5], in LEDGER_STATES order, and a single-record script the record key as KEYS[6].
 * Scripts that walk an index build record keys from the members (ARGV recordKeyPrefix), which is
 * fine on a single Redis but not on Redis Cluster.
 */

export interface LuaScript {
	source: string;
	sha: string;
}

export function luaScript(source: string): LuaScript {
	return { source, sha: createHash('sha1').update(source).digest('hex') };
}

function ledgerScript(body: string): LuaScript {
	return luaScript(`${COMMON_LUA}\n${body}`);
}

/** Runs a script by its hash, loading it once per Redis (EVALSHA, then EVAL on NOSCRIPT). */
export async function runScript(
	client: Redis,
	script: LuaScript,
	keys: string[],
	args: Array<string | number>,
): Promise<unknown> {
	try {
		return await client.evalsha(script.sha, keys.length, ...keys, ...args);
	} catch (error) {
		// eslint-disable-next-line @n8n/community-nodes/require-node-api-error -- withRedis wraps it in LedgerUnavailableError
		if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
		return await client.eval(script.source, keys.length, ...keys, ...args);
	}
}

const stateIndexSlots = LEDGER_STATES.map((state, position) => `${state}=${position + 1}`).join(', ');
const evictableStateNames = [...EVICTABLE_STATES].map((state) => `'${state}'`).join(', ');

/**
 * STATE_SLOT maps a state to its index's position in KEYS; RECORD is the record key's position.
 * prune() drops index entries whose record Redis already expired (TTL option) or that now holds
 * another state, for members scored at or below `threshold` (only POSTED records expire: FAILED and
 * UNKNOWN wait for a person, whatever the TTL).
 */
const COMMON_LUA = `
local STATE_SLOT = { ${stateIndexSlots} }
local TERMINAL = { ${evictableStateNames} }
local RECORD = ${LEDGER_STATES.length + 1}
local function prune(recordKeyPrefix, threshold)
  if threshold == '' then return end
  for _, state in ipairs(TERMINAL) do
    local index = KEYS[STATE_SLOT[state]]
    for _, member in ipairs(redis.call('ZRANGEBYSCORE', index, '-inf', threshold)) do
      if redis.call('HGET', recordKeyPrefix .. member, 's') ~= state then
        redis.call('ZREM', index, member)
      end
    end
  end
end
local function applyExpiry(recordKey, expireMs)
  if tonumber(expireMs) > 0 then
    redis.call('PEXPIRE', recordKey, expireMs)
  else
    redis.call('PERSIST', recordKey)
  end
end
`;

const STATE_INDEX_COUNT = LEDGER_STATES.length;

/** ARGV: member, version, state, updatedAt, recordJson, expireMs. Returns nil when claimed, else the stored JSON. */
export const INSERT_SCRIPT = ledgerScript(
	`
if redis.call('EXISTS', KEYS[RECORD]) == 1 then
  return redis.call('HGET', KEYS[RECORD], 'r')
end
-- A record Redis expired may have left its key in an index: a fresh claim starts clean.
for slot = 1, ${STATE_INDEX_COUNT} do redis.call('ZREM', KEYS[slot], ARGV[1]) end
redis.call('HSET', KEYS[RECORD], 'v', ARGV[2], 's', ARGV[3], 'r', ARGV[5])
redis.call('ZADD', KEYS[STATE_SLOT[ARGV[3]]], ARGV[4], ARGV[1])
applyExpiry(KEYS[RECORD], ARGV[6])
return false
`,
);

/**
 * ARGV: member, expectedVersion, version, state, updatedAt, recordJson, expireMs.
 * Returns {1} when written, {0} when absent, {0, storedJson} at another version.
 */
export const REPLACE_SCRIPT = ledgerScript(
	`
local stored = redis.call('HMGET', KEYS[RECORD], 'v', 's', 'r')
if not stored[1] then return {0} end
if tonumber(stored[1]) ~= tonumber(ARGV[2]) then return {0, stored[3]} end
redis.call('ZREM', KEYS[STATE_SLOT[stored[2]]], ARGV[1])
redis.call('HSET', KEYS[RECORD], 'v', ARGV[3], 's', ARGV[4], 'r', ARGV[6])
redis.call('ZADD', KEYS[STATE_SLOT[ARGV[4]]], ARGV[5], ARGV[1])
applyExpiry(KEYS[RECORD], ARGV[7])
return {1}
`,
);

/** ARGV: member, expectedVersion ('' for any). Returns 1 when deleted. */
export const DELETE_SCRIPT = ledgerScript(
	`
local stored = redis.call('HMGET', KEYS[RECORD], 'v', 's')
if not stored[1] then return 0 end
if ARGV[2] ~= '' and tonumber(stored[1]) ~= tonumber(ARGV[2]) then return 0 end
redis.call('DEL', KEYS[RECORD])
redis.call('ZREM', KEYS[STATE_SLOT[stored[2]]], ARGV[1])
return 1
`,
);

/** KEYS: record keys (no indexes). Returns the stored JSON or nil per key, in order. */
export const GET_MANY_SCRIPT = luaScript(`
local found = {}
for position, recordKey in ipairs(KEYS) do found[position] = redis.call('HGET', recordKey, 'r') end
return found
`);

/** KEYS: state indexes. ARGV: recordKeyPrefix, pruneThreshold. Returns the number of records. */
export const COUNT_SCRIPT = ledgerScript(
	`
prune(ARGV[1], ARGV[2])
local total = 0
for slot = 1, ${STATE_INDEX_COUNT} do total = total + redis.call('ZCARD', KEYS[slot]) end
return total
`,
);

/**
 * KEYS: state indexes. ARGV: recordKeyPrefix, pruneThreshold, maxScore, limit (0: all), states….
 * Returns record JSONs, oldest updatedAt first.
 */
export const LIST_SCRIPT = ledgerScript(
	`
prune(ARGV[1], ARGV[2])
local limit = tonumber(ARGV[4])
local entries = {}
for position = 5, #ARGV do
  local index = KEYS[STATE_SLOT[ARGV[position]]]
  local found
  if limit > 0 then
    found = redis.call('ZRANGEBYSCORE', index, '-inf', ARGV[3], 'WITHSCORES', 'LIMIT', 0, limit)
  else
    found = redis.call('ZRANGEBYSCORE', index, '-inf', ARGV[3], 'WITHSCORES')
  end
  for at = 1, #found, 2 do entries[#entries + 1] = { found[at], tonumber(found[at + 1]) } end
end
table.sort(entries, function(a, b)
  if a[2] ~= b[2] then return a[2] < b[2] end
  return a[1] < b[1]
end)
local records = {}
for _, entry in ipairs(entries) do
  if limit > 0 and #records >= limit then break end
  local json = redis.call('HGET', ARGV[1] .. entry[1], 'r')
  if json then records[#records + 1] = json end
end
return records
`,
);

/**
 * KEYS: state indexes. ARGV: recordKeyPrefix, pruneThreshold, ttlCutoff ('-inf': no TTL), maxRecords.
 * Deletes POSTED records last updated before ttlCutoff, then the oldest POSTED ones while over
 * maxRecords; live and review records are never touched. Returns {evicted, overBoundLive}.
 */
export const EVICT_SCRIPT = ledgerScript(
	`
local prefix = ARGV[1]
prune(prefix, ARGV[2])
local function indexOf(state) return KEYS[STATE_SLOT[state]] end
local evicted = 0
local function evict(state, member)
  redis.call('DEL', prefix .. member)
  redis.call('ZREM', indexOf(state), member)
  evicted = evicted + 1
end
if ARGV[3] ~= '-inf' then
  for _, state in ipairs(TERMINAL) do
    for _, member in ipairs(redis.call('ZRANGEBYSCORE', indexOf(state), '-inf', '(' .. ARGV[3])) do
      evict(state, member)
    end
  end
end
local maxRecords = tonumber(ARGV[4])
local total = 0
for slot = 1, ${STATE_INDEX_COUNT} do total = total + redis.call('ZCARD', KEYS[slot]) end
local over = total - maxRecords
if over > 0 then
  local candidates = {}
  for _, state in ipairs(TERMINAL) do
    local found = redis.call('ZRANGE', indexOf(state), 0, over - 1, 'WITHSCORES')
    for at = 1, #found, 2 do
      candidates[#candidates + 1] = { state, found[at], tonumber(found[at + 1]) }
    end
  end
  table.sort(candidates, function(a, b)
    if a[3] ~= b[3] then return a[3] < b[3] end
    return a[2] < b[2]
  end)
  for position = 1, math.min(over, #candidates) do
    evict(candidates[position][1], candidates[position][2])
  end
  total = total - math.min(over, #candidates)
end
return { evicted, math.max(0, total - maxRecords) }
`,
);

/**
 * Moves up to ARGV[3] records of one ledger from the legacy layout (keys.ts) to the current one.
 * KEYS: the five legacy state indexes, then the five current ones. ARGV: legacy record prefix, current
 * record prefix, chunk size. A member that starts with `!` gets one more (keys.ts encodeName); a
 * record already present in the current layout wins. FAILED records lose the expiry the legacy layout
 * gave them (review records stay). Returns how many index entries it handled (0: nothing left).
 */
export const MIGRATE_SCRIPT = luaScript(`
local handled = 0
local chunk = tonumber(ARGV[3])
for slot = 1, ${STATE_INDEX_COUNT} do
  local found = redis.call('ZRANGE', KEYS[slot], 0, chunk - 1, 'WITHSCORES')
  for at = 1, #found, 2 do
    local member = found[at]
    local target = member
    if string.sub(member, 1, 1) == '!' then target = '!' .. member end
    local legacyKey = ARGV[1] .. member
    local targetKey = ARGV[2] .. target
    if redis.call('EXISTS', legacyKey) == 1 then
      if redis.call('EXISTS', targetKey) == 0 then
        local state = redis.call('HGET', legacyKey, 's')
        redis.call('RENAME', legacyKey, targetKey)
        if state and KEYS[${STATE_INDEX_COUNT} + slot] then
          redis.call('ZADD', KEYS[${STATE_INDEX_COUNT} + slot], found[at + 1], target)
        end
        if state ~= '${[...EVICTABLE_STATES][0]}' then redis.call('PERSIST', targetKey) end
      else
        redis.call('DEL', legacyKey)
      end
    end
    redis.call('ZREM', KEYS[slot], member)
    handled = handled + 1
  end
  chunk = chunk - #found / 2
  if chunk <= 0 then break end
end
return handled
`);
