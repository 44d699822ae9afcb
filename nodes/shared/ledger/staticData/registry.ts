import { randomUUID } from 'crypto';

import { COMPACT_LAYOUT, type CompactRecord } from './compact';

/**
 * The process-wide registry: n8n loads a package's modules once per process, so this Map is shared
 * by every execution of every workflow in the process (measured in n8n 2.8.4 and 2.41.1). It, not static
 * data, is the source of truth while the process lives; static data is its durable copy — a
 * bounded one (see DurableWindow): n8n reads and rewrites a workflow's whole static data on every
 * production execution, so what it holds must not grow with the invoices ever posted.
 */
export interface LedgerTable {
	/**
	 * Each record in its compact form only (decoded on read: half the heap, and a restart loads without
	 * building 50k objects), kept in `updatedAt` order (every write re-inserts at the end): eviction
	 * walks from the oldest. A Map, never an object: any key (`__proto__` included) is just a key.
	 */
	records: Map<string, CompactRecord>;
	/** Estimated JSON bytes of every record in `records` (the ledger's bound counts bytes, not only records). */
	bytes: number;
	/**
	 * The persisted form, kept current on every write (O(1) each). Executions hand n8n this very
	 * object as their static data, and n8n serialises it when it saves, after the execution: so
	 * whichever execution is saved last writes every durable record the process holds at that moment.
	 * It holds every record that is not POSTED (live and review records) and the newest POSTED ones
	 * within `window`; older POSTED records live in `records` only.
	 */
	persisted: PersistedLedger;
	/**
	 * Escaped names in `persisted.r` written since the last flush, still as the registry's tuple: they
	 * become text (PERSISTED_LAYOUT) at the flush, once per execution rather than on every write.
	 */
	untexted: Set<string>;
	/** POSTED keys that are in `persisted.r`, oldest first, with their estimated bytes. */
	durableSettled: Map<string, number>;
	durableSettledBytes: number;
	window: DurableWindow;
	/** False once a record arrived out of `updatedAt` order (a merge, a caller's own timestamps): sort before walking. */
	ordered: boolean;
	newestUpdatedAt: number;
	/**
	 * Every ledger of the same workflow in this process, by ledger name (this one included). They share
	 * one static-data object that n8n writes back whole, so a write-back must carry all of them live:
	 * a copy from the execution's snapshot would erase what another execution wrote to another ledger.
	 */
	workflowLedgers: Map<string, LedgerTable>;
}

/** How many settled (POSTED) records static data keeps for a restart, by count and by bytes. */
export interface DurableWindow {
	records: number;
	bytes: number;
}

/**
 * 100 POSTED records (~20 KB) survive a restart from static data itself; an older invoice re-delivered
 * after a restart is found by the Post node in the ERP (lookup before post, or the ERP's own
 * uniqueness) — README "Restart and the ledger". n8n writes these bytes to its database after every
 * execution, and the writes queue with the execution's own: in n8n 2.8.4 a full window of 1,000
 * (~230 KB) cost a webhook workflow a quarter of its throughput (31 → 23 invoices/s).
 */
export const DEFAULT_DURABLE_WINDOW: DurableWindow = { records: 100, bytes: 32 * 1024 };

/**
 * How a blob holds its records. 2: each tuple as a JSON array. 3: each tuple as text (compact.ts
 * tupleToText), one string per record. n8n wraps every object and array of static data in a proxy, three times per
 * execution, and parses and stringifies it all; a string is one value to each of them. Measured in
 * n8n 2.41.1, a webhook workflow with 1,000 records persisted: 11.8 invoices/s as arrays, 13.0–14.2 as
 * strings, 14.0 with none. Both layouts are read.
 */
export const PERSISTED_LAYOUT = 3;
export const READABLE_LAYOUTS: readonly number[] = [COMPACT_LAYOUT, PERSISTED_LAYOUT];

export interface PersistedLedger {
	/** The blob's layout (PERSISTED_LAYOUT): a blob of another layout is left alone, not misread. */
	v: number;
	/** The process that wrote it: loading a blob this process wrote merges nothing. */
	p: string;
	/**
	 * Keys escaped (escapePersistedKey): 1. A blob without it (written before) holds raw keys, which
	 * `__proto__` could not survive.
	 */
	e?: number;
	/**
	 * The newest `updatedAt` of a POSTED record that left the durable window: after a restart, keys
	 * settled up to then may be known to the ERP only.
	 */
	h?: number;
	/** Layout 3: the tuple as text (tupleToText); layout 2: the tuple itself. */
	r: Record<string, CompactRecord | string>;
}

/**
 * Keys and ledger names are stored in static data with a leading `~`: no property name is then
 * special anywhere n8n copies static data (a `__proto__` assigned to a plain object sets its
 * prototype instead of a property — n8n's own deepCopy does that), and none looks like an array index
 * (which objects would reorder before the window's oldest-first order).
 */
export const escapePersistedKey = (key: string): string => `~${key}`;
export const unescapePersistedKey = (name: string): string => name.slice(1);

/** Marks the blobs this process wrote, so loading one of them again merges nothing. */
let processId = randomUUID().slice(0, 13);

export function currentProcessId(): string {
	return processId;
}

/** Workflow id → its ledgers by name. */
const workflows = new Map<string, Map<string, LedgerTable>>();

export function ledgerTable(workflowId: string, ledger: string): LedgerTable {
	let workflowLedgers = workflows.get(workflowId);
	if (!workflowLedgers) {
		workflowLedgers = new Map();
		workflows.set(workflowId, workflowLedgers);
	}
	let table = workflowLedgers.get(ledger);
	if (!table) {
		table = {
			records: new Map(),
			bytes: 0,
			persisted: { v: PERSISTED_LAYOUT, p: processId, e: 1, r: emptyRecordMap() },
			untexted: new Set(),
			durableSettled: new Map(),
			durableSettledBytes: 0,
			window: { ...DEFAULT_DURABLE_WINDOW },
			ordered: true,
			newestUpdatedAt: 0,
			workflowLedgers,
		};
		workflowLedgers.set(ledger, table);
	}
	return table;
}

/** A property map without a prototype: no key reads an inherited value. */
export function emptyRecordMap(): Record<string, CompactRecord | string> {
	return Object.create(null) as Record<string, CompactRecord | string>;
}

/** What a restart of n8n does to the registry (tests only). */
export function clearRegistry(): void {
	workflows.clear();
	processId = randomUUID().slice(0, 13);
}
