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
import { LEDGER_STATES, TERMINAL_STATES } from '../types';
import type { Redis } from './client';
import { withRedis } from './client';
import {
	COUNT_SCRIPT,
	DELETE_SCRIPT,
	EVICT_SCRIPT,
	GET_MANY_SCRIPT,
	INSERT_SCRIPT,
	LIST_SCRIPT,
	REPLACE_SCRIPT,
	runScript,
} from './scripts';

export interface RedisLedgerStoreOptions {
	client: Redis;
	keyPrefix: string;
	/** The workflow id, or a shared ledger name when several workflows share one ledger on purpose. */
	scope: string;
	ledger: string;
	/** Redis expiry of terminal (POSTED/FAILED) records; unset: only `evict` removes them. */
	ttlMs?: number;
}

// Redis expires a terminal record ttlMs after its write (server clock) while the index scores
// updatedAt (client clock): entries up to this much younger than the TTL are checked too.
const CLOCK_SKEW_ALLOWANCE_MS = 60 * 60 * 1000;

/**
 * A ledger in Redis, shared by every n8n process that uses the same Redis: each primitive is one
 * Lua script, hence atomic across workers.
 *
 * Keys: a record is the hash `{keyPrefix}:{scope}:{ledger}:{key}` = {v: version, s: state,
 * r: record JSON}; each state has a sorted set `{keyPrefix}:{scope}:{ledger}#{STATE}` of keys
 * scored by updatedAt, so `list` (the review queue: by state, oldest first), `count` and `evict`
 * never use KEYS/SCAN. One index per state (not one over all records) lets `list` read only the
 * states asked for and `evict` walk only terminal records. Indexes are named with `#` rather
 * than `:` so that no idempotency key can collide with them.
 */
export class RedisLedgerStore implements LedgerStore {
	private readonly client: Redis;
	private readonly recordKeyPrefix: string;
	private readonly stateIndexKeys: string[];
	private readonly ttlMs: number | undefined;

	constructor(options: RedisLedgerStoreOptions) {
		this.client = options.client;
		const ledgerKey = `${options.keyPrefix}:${options.scope}:${options.ledger}`;
		this.recordKeyPrefix = `${ledgerKey}:`;
		this.stateIndexKeys = LEDGER_STATES.map((state) => `${ledgerKey}#${state}`);
		this.ttlMs = options.ttlMs !== undefined && options.ttlMs > 0 ? options.ttlMs : undefined;
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
				record.key,
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
				next.key,
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
				key,
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

	private recordKey(key: string): string {
		return `${this.recordKeyPrefix}${key}`;
	}

	private recordKeys(key: string): string[] {
		return [...this.stateIndexKeys, this.recordKey(key)];
	}

	private expiryFor(state: LedgerState): number {
		return this.ttlMs !== undefined && TERMINAL_STATES.has(state) ? this.ttlMs : 0;
	}

	/** Index entries that may point at records Redis expired; '' when nothing expires. */
	private pruneThreshold(): string {
		return this.ttlMs === undefined ? '' : String(Date.now() - this.ttlMs + CLOCK_SKEW_ALLOWANCE_MS);
	}
}

function encodeRecord(record: LedgerRecord): string {
	return JSON.stringify(record);
}

function decodeRecord(json: string): LedgerRecord {
	return JSON.parse(json) as LedgerRecord;
}
