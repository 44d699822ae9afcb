import type {
	EvictionPolicy,
	EvictionReport,
	InsertResult,
	LedgerRecord,
	LedgerState,
	LedgerStore,
	ListFilter,
	ReplaceResult,
} from '../types';
import { EVICTABLE_STATES, LEDGER_STATES } from '../types';
import type { Redis } from './client';
import { withRedis } from './client';
import { encodeName, ledgerKeys, legacyLedgerKeys } from './keys';
import {
	COUNT_SCRIPT,
	DELETE_SCRIPT,
	EVICT_SCRIPT,
	GET_MANY_SCRIPT,
	INSERT_SCRIPT,
	LIST_SCRIPT,
	MIGRATE_SCRIPT,
	REPLACE_SCRIPT,
	runScript,
} from './scripts';

export interface RedisLedgerStoreOptions {
	client: Redis;
	keyPrefix: string;
	/** The workflow id, or a shared ledger name when several workflows share one ledger on purpose. */
	scope: string;
	ledger: string;
	/** Redis expiry of POSTED records (never FAILED/UNKNOWN: review records stay); unset: only `evict` removes them. */
	ttlMs?: number;
	/** Epoch ms now, as the ledger judges it (open.ts gives the Redis server's clock); default Date.now. */
	clock?: () => number;
}

// Redis expires a POSTED record ttlMs after its write (server clock) while the index scores
// updatedAt (the ledger's clock): entries up to this much younger than the TTL are checked too.
const CLOCK_SKEW_ALLOWANCE_MS = 60 * 60 * 1000;
const MIGRATION_CHUNK = 500;

/**
 * A ledger in Redis, shared by every n8n process that uses the same Redis: each primitive is one
 * Lua script, hence atomic across workers.
 *
 * Keys (keys.ts, unambiguous for any scope, ledger name and key): a record is the hash
 * `{keyPrefix}:{n}:{scope}:{n}:{ledger}:{key}` = {v: version, s: state, r: record JSON}; each state
 * has a sorted set `{keyPrefix}:{n}:{scope}:{n}:{ledger}#{STATE}` of keys scored by updatedAt, so
 * `list` (the review queue: by state, oldest first), `count` and `evict` never use KEYS/SCAN. One
 * index per state (not one over all records) lets `list` read only the states asked for and `evict`
 * walk only POSTED records.
 */
export class RedisLedgerStore implements LedgerStore {
	private readonly client: Redis;
	private readonly recordKeyPrefix: string;
	private readonly stateIndexKeys: string[];
	private readonly ttlMs: number | undefined;
	private readonly clock: () => number;
	private readonly legacy: { recordPrefix: string; stateIndexes: string[] };

	constructor(options: RedisLedgerStoreOptions) {
		this.client = options.client;
		const keys = ledgerKeys(options.keyPrefix, options.scope, options.ledger);
		this.recordKeyPrefix = keys.recordPrefix;
		this.stateIndexKeys = keys.stateIndexes;
		this.legacy = legacyLedgerKeys(options.keyPrefix, options.scope, options.ledger);
		this.ttlMs = options.ttlMs !== undefined && options.ttlMs > 0 ? options.ttlMs : undefined;
		this.clock = options.clock ?? Date.now;
	}

	/**
	 * Moves this ledger's records from the layout written before keys were length-prefixed, if there
	 * are any (one EXISTS when there are none). Every worker may run it at once: each chunk is atomic.
	 * Until it has run, a store sees only the current layout — open.ts runs it before first use.
	 */
	async migrateLegacyKeys(): Promise<number> {
		const { client, legacy } = this;
		const present = await withRedis(client, async () => client.exists(...legacy.stateIndexes));
		if (present === 0) return 0;
		let moved = 0;
		for (;;) {
			const handled = (await withRedis(client, async () =>
				runScript(client, MIGRATE_SCRIPT, [...legacy.stateIndexes, ...this.stateIndexKeys], [legacy.recordPrefix, this.recordKeyPrefix, MIGRATION_CHUNK]),
			)) as number;
			if (handled === 0) return moved;
			moved += handled;
		}
	}

	async get(key: string): Promise<LedgerRecord | undefined> {
		const json = await withRedis(this.client, async () =>
			this.client.hget(this.recordKey(key), 'r'),
		);
		return json === null ? undefined : decodeRecord(json);
	}

	async getMany(keys: string[]): Promise<Map<string, LedgerRecord>> {
		const found = new Map<string, LedgerRecord>();
		if (keys.length === 0) return found;
		const jsons = (await withRedis(this.client, async () =>
			runScript(
				this.client,
				GET_MANY_SCRIPT,
				keys.map((key) => this.recordKey(key)),
				[],
			),
		)) as Array<string | null>;
		keys.forEach((key, position) => {
			const json = jsons[position];
			if (json) found.set(key, decodeRecord(json));
		});
		return found;
	}

	async insert(record: LedgerRecord): Promise<InsertResult> {
		const existing = (await withRedis(this.client, async () =>
			runScript(this.client, INSERT_SCRIPT, this.recordKeys(record.key), [
				encodeName(record.key),
				record.version,
				record.state,
				record.updatedAt,
				encodeRecord(record),
				this.expiryFor(record.state),
			]),
		)) as string | null;
		return existing === null ? { ok: true } : { ok: false, existing: decodeRecord(existing) };
	}

	async replace(next: LedgerRecord, expectedVersion: number): Promise<ReplaceResult> {
		const [written, currentJson] = (await withRedis(this.client, async () =>
			runScript(this.client, REPLACE_SCRIPT, this.recordKeys(next.key), [
				encodeName(next.key),
				expectedVersion,
				next.version,
				next.state,
				next.updatedAt,
				encodeRecord(next),
				this.expiryFor(next.state),
			]),
		)) as [number, string?];
		if (written === 1) return { ok: true };
		return currentJson === undefined
			? { ok: false }
			: { ok: false, current: decodeRecord(currentJson) };
	}

	async delete(key: string, expectedVersion?: number): Promise<boolean> {
		const deleted = await withRedis(this.client, async () =>
			runScript(this.client, DELETE_SCRIPT, this.recordKeys(key), [
				encodeName(key),
				expectedVersion === undefined ? '' : expectedVersion,
			]),
		);
		return deleted === 1;
	}

	async list(filter: ListFilter): Promise<LedgerRecord[]> {
		const states: readonly LedgerState[] = filter.states ?? LEDGER_STATES;
		if (states.length === 0 || (filter.limit !== undefined && filter.limit <= 0)) return [];
		const maxScore = filter.updatedBefore === undefined ? '+inf' : `(${filter.updatedBefore}`;
		const jsons = (await withRedis(this.client, async () =>
			runScript(this.client, LIST_SCRIPT, this.stateIndexKeys, [
				this.recordKeyPrefix,
				this.pruneThreshold(),
				maxScore,
				filter.limit ?? 0,
				...new Set(states),
			]),
		)) as string[];
		return jsons.map(decodeRecord);
	}

	async count(): Promise<number> {
		return (await withRedis(this.client, async () =>
			runScript(this.client, COUNT_SCRIPT, this.stateIndexKeys, [
				this.recordKeyPrefix,
				this.pruneThreshold(),
			]),
		)) as number;
	}

	async evict(policy: EvictionPolicy, now: number): Promise<EvictionReport> {
		const ttlCutoff = Number.isFinite(policy.ttlMs) ? String(now - policy.ttlMs) : '-inf';
		const [evicted, overBoundLive] = (await withRedis(this.client, async () =>
			runScript(this.client, EVICT_SCRIPT, this.stateIndexKeys, [
				this.recordKeyPrefix,
				this.pruneThreshold(),
				ttlCutoff,
				policy.maxRecords,
			]),
		)) as [number, number];
		return { evicted, overBoundLive };
	}

	/** Every write is durable when its script returns (as durable as the Redis is configured). */
	async flush(): Promise<void> {}

	/** The Redis key of a record (tests and operators look records up by it). */
	recordKey(key: string): string {
		return `${this.recordKeyPrefix}${encodeName(key)}`;
	}

	private recordKeys(key: string): string[] {
		return [...this.stateIndexKeys, this.recordKey(key)];
	}

	private expiryFor(state: LedgerState): number {
		return this.ttlMs !== undefined && EVICTABLE_STATES.has(state) ? this.ttlMs : 0;
	}

	/** Index entries that may point at records Redis expired; '' when nothing expires. */
	private pruneThreshold(): string {
		return this.ttlMs === undefined ? '' : String(this.clock() - this.ttlMs + CLOCK_SKEW_ALLOWANCE_MS);
	}
}

function encodeRecord(record: LedgerRecord): string {
	return JSON.stringify(record);
}

function decodeRecord(json: string): LedgerRecord {
	return JSON.parse(json) as LedgerRecord;
}
