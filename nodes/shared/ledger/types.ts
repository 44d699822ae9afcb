import type { IDataObject } from 'n8n-workflow';

/**
 * PENDING (reserved, lease running) → POSTED (erpId known) | FAILED (permanent; in review)
 * | UNKNOWN (ambiguous outcome; verify before any retry) | RETRY (retryable, nextAttemptAt).
 * A PENDING record whose lease expired reads as UNKNOWN, never as new.
 */
export const LEDGER_STATES = ['PENDING', 'POSTED', 'FAILED', 'UNKNOWN', 'RETRY'] as const;
export type LedgerState = (typeof LEDGER_STATES)[number];

export interface LedgerRecord {
	key: string;
	/** sha256 of the canonical payload: same key + other fingerprint is a Conflict. */
	fingerprint: string;
	state: LedgerState;
	reference: string;
	erpId?: string;
	attempts: number;
	correlationId: string;
	/** Epoch milliseconds. */
	firstSeenAt: number;
	updatedAt: number;
	leaseUntil?: number;
	nextAttemptAt?: number;
	/** What a replay returns (Dedupe Check `markPosted`'s `response`). */
	response?: IDataObject;
	error?: string;
	/** Observed ERP latency of the last post, in ms (Batch Splitter learns `secondsPerInvoice` from it). */
	latencyMs?: number;
	/**
	 * Who holds a PENDING record: `<instance>` or `<instance>/<execution>` (see ownerOf in ledger.ts). A
	 * reservation whose instance is known to be gone is settled at once; only a reservation made by this
	 * very execution may be adopted by a later node of it (a correlation id read from an item proves nothing).
	 */
	owner?: string;
	/** Increments on every write; the token of compare-and-set. */
	version: number;
}

export interface ListFilter {
	states?: LedgerState[];
	/** Only records last updated before this epoch-ms instant. */
	updatedBefore?: number;
	limit?: number;
}

export type InsertResult = { ok: true } | { ok: false; existing: LedgerRecord };
export type ReplaceResult = { ok: true } | { ok: false; current?: LedgerRecord };

/**
 * Where ledger records live. Stores only store: every decision about states is `Ledger`'s
 * (nodes/shared/ledger/ledger.ts). Each primitive is atomic on its own.
 */
export interface LedgerStore {
	get(key: string): Promise<LedgerRecord | undefined>;
	getMany(keys: string[]): Promise<Map<string, LedgerRecord>>;
	/** Conditional write: stores the record if the key is absent, else returns what is there. */
	insert(record: LedgerRecord): Promise<InsertResult>;
	/** Stores `next` only if the stored record still has `expectedVersion`. */
	replace(next: LedgerRecord, expectedVersion: number): Promise<ReplaceResult>;
	/** Deletes the key (only at `expectedVersion` when given); true when something was deleted. */
	delete(key: string, expectedVersion?: number): Promise<boolean>;
	list(filter: ListFilter): Promise<LedgerRecord[]>;
	count(): Promise<number>;
	/** Removes POSTED records by TTL and size bound; never live ones, never review (FAILED) ones. */
	evict(policy: EvictionPolicy, now: number): Promise<EvictionReport>;
	/** Makes what was written durable where the store needs a step for it (static data: write-back). */
	flush(): Promise<void>;
}

export interface EvictionPolicy {
	ttlMs: number;
	maxRecords: number;
	/** Size bound in (estimated JSON) bytes, beside the record count; unset: records only. */
	maxBytes?: number;
}

export interface EvictionReport {
	evicted: number;
	/**
	 * Records still over `maxRecords` because every remaining one is live (PENDING/UNKNOWN/RETRY) or
	 * awaiting review (FAILED): neither is ever evicted.
	 */
	overBoundLive: number;
	/** Bytes still over `maxBytes` for the same reason (0 when within it or not bounded by bytes). */
	overBoundBytes?: number;
}

/** Settled records: never posted again. */
export const TERMINAL_STATES: ReadonlySet<LedgerState> = new Set(['POSTED', 'FAILED']);

/**
 * What TTL and size may remove: POSTED only. FAILED and UNKNOWN are review records (a person must look
 * at them) and PENDING/RETRY are in flight: only `purge` removes them.
 */
export const EVICTABLE_STATES: ReadonlySet<LedgerState> = new Set(['POSTED']);

/** Fingerprint of a record whose payload is unknown (marked from the ERP's side): any payload matches it. */
export const ANY_FINGERPRINT = '*';
