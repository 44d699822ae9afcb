import cloneDeep from 'lodash/cloneDeep';
import type { IDataObject } from 'n8n-workflow';

import {
	LEDGER_STATES,
	TERMINAL_STATES,
	type EvictionPolicy,
	type EvictionReport,
	type InsertResult,
	type LedgerRecord,
	type LedgerStore,
	type ListFilter,
	type ReplaceResult,
} from '../types';
import { COMPACT_LAYOUT, decodeRecord, detachedCopy, encodeRecord, isValidTuple, STATE, updatedAtOf, VERSION, type CompactRecord } from './compact';
import { currentProcessId, type LedgerTable, type PersistedLedger } from './registry';

/** Where the ledgers sit in the workflow's `global` static data (keyed by ledger name, never node name). */
export const STATIC_DATA_ROOT = 'idempotentInvoiceLedgers';

/**
 * The embedded store: the process registry is the truth, workflow static data its durable copy.
 * Every primitive is synchronous inside (no await between check and set), hence atomic within
 * the process. `flush` hands n8n the registry's live persisted form, so whichever execution n8n
 * saves last carries every record of the process (n8n's write-back is last-writer-wins).
 */
export class StaticDataLedgerStore implements LedgerStore {
	private dirty = false;

	constructor(
		private readonly table: LedgerTable,
		private readonly staticData: IDataObject,
		private readonly ledgerName: string,
	) {}

	/** Merge what is persisted into the registry: per key, the newer record wins. */
	load(): { merged: number } {
		const persisted = this.persisted();
		if (!persisted || persisted.p === currentProcessId()) return { merged: 0 };
		const records = this.table.records;
		let merged = 0;
		const persistedRecords = persisted.r;
		// Keys, not entries: a pair array per record cost a restart of 50k records ~20 ms.
		for (const key of Object.keys(persistedRecords)) {
			const tuple = persistedRecords[key];
			if (!isValidTuple(tuple)) continue;
			const known = records.get(key);
			if (known && !isNewerTuple(tuple, known)) continue;
			// Copied: n8n hands static data over wrapped in proxies tied to the execution's whole snapshot,
			// and none of them may stay in the registry.
			if (known) records.delete(key);
			this.putTuple(key, detachedCopy(tuple));
			merged++;
		}
		return { merged };
	}

	async get(key: string): Promise<LedgerRecord | undefined> {
		return this.read(key);
	}

	async getMany(keys: string[]): Promise<Map<string, LedgerRecord>> {
		const found = new Map<string, LedgerRecord>();
		for (const key of keys) {
			const record = this.read(key);
			if (record) found.set(key, record);
		}
		return found;
	}

	async insert(record: LedgerRecord): Promise<InsertResult> {
		const existing = this.read(record.key);
		if (existing) return { ok: false, existing };
		this.put(record);
		return { ok: true };
	}

	async replace(next: LedgerRecord, expectedVersion: number): Promise<ReplaceResult> {
		const current = this.table.records.get(next.key);
		if (!current || current[VERSION] !== expectedVersion) return { ok: false, current: this.read(next.key) };
		// Re-insert at the end: the Map stays in updatedAt order.
		this.table.records.delete(next.key);
		this.put(next);
		return { ok: true };
	}

	async delete(key: string, expectedVersion?: number): Promise<boolean> {
		const current = this.table.records.get(key);
		if (!current || (expectedVersion !== undefined && current[VERSION] !== expectedVersion)) return false;
		this.remove(key);
		return true;
	}

	async list(filter: ListFilter): Promise<LedgerRecord[]> {
		const states = filter.states ? new Set(filter.states.map((state) => LEDGER_STATES.indexOf(state))) : undefined;
		const found: LedgerRecord[] = [];
		for (const [key, tuple] of this.oldestFirst()) {
			if (states && !states.has(tuple[STATE] as number)) continue;
			if (filter.updatedBefore !== undefined && updatedAtOf(tuple) >= filter.updatedBefore) continue;
			const record = this.read(key);
			if (record) found.push(record);
			if (filter.limit !== undefined && found.length >= filter.limit) break;
		}
		return found;
	}

	async count(): Promise<number> {
		return this.table.records.size;
	}

	async evict(policy: EvictionPolicy, now: number): Promise<EvictionReport> {
		const records = this.table.records;
		const expiredBefore = now - policy.ttlMs;
		let evicted = 0;
		// Oldest first (Map order = updatedAt order): expired terminal records, then the size bound.
		for (const [key, tuple] of this.oldestFirst()) {
			const overBound = records.size > policy.maxRecords;
			if (updatedAtOf(tuple) >= expiredBefore && !overBound) break;
			if (!TERMINAL_STATES.has(LEDGER_STATES[tuple[STATE] as number])) continue;
			this.remove(key);
			evicted++;
		}
		return { evicted, overBoundLive: Math.max(0, records.size - policy.maxRecords) };
	}

	async flush(): Promise<void> {
		if (!this.dirty) return;
		const ledgers = { ...((this.staticData[STATIC_DATA_ROOT] as IDataObject | undefined) ?? {}) };
		// The live persisted forms, not copies (see LedgerTable.persisted), of every ledger of the
		// workflow this process holds (see LedgerTable.workflowLedgers). Assigning the root is what
		// marks n8n's static-data proxy as changed, so that this execution's static data is saved.
		for (const [name, table] of this.table.workflowLedgers) {
			table.persisted.p = currentProcessId();
			ledgers[name] = table.persisted as unknown as IDataObject;
		}
		this.staticData[STATIC_DATA_ROOT] = ledgers;
		this.dirty = false;
	}

	/** A fresh record object for the caller (the registry keeps only the compact tuple). */
	private read(key: string): LedgerRecord | undefined {
		const tuple = this.table.records.get(key);
		if (!tuple) return undefined;
		const record = decodeRecord(key, tuple);
		// Callers never share the stored response: a later change to theirs must not reach the store.
		if (record?.response) record.response = cloneDeep(record.response);
		return record;
	}

	/** The records, oldest `updatedAt` first (re-sorted only after an out-of-order write). */
	private oldestFirst(): IterableIterator<[string, CompactRecord]> {
		const table = this.table;
		if (!table.ordered) {
			const sorted = [...table.records.entries()].sort((a, b) => updatedAtOf(a[1]) - updatedAtOf(b[1]));
			table.records.clear();
			for (const [key, tuple] of sorted) table.records.set(key, tuple);
			table.ordered = true;
		}
		// Live: a Map iterator stays valid while the walker deletes what it has passed (evict).
		return table.records.entries();
	}

	private put(record: LedgerRecord): void {
		const stored = record.response ? { ...record, response: cloneDeep(record.response) } : record;
		this.putTuple(record.key, encodeRecord(stored));
	}

	private putTuple(key: string, tuple: CompactRecord): void {
		const table = this.table;
		const updatedAt = updatedAtOf(tuple);
		if (updatedAt < table.newestUpdatedAt) table.ordered = false;
		else table.newestUpdatedAt = updatedAt;
		table.records.set(key, tuple);
		table.persisted.r[key] = tuple;
		this.dirty = true;
	}

	private remove(key: string): void {
		this.table.records.delete(key);
		delete this.table.persisted.r[key];
		this.dirty = true;
	}

	private persisted(): PersistedLedger | undefined {
		const ledgers = this.staticData[STATIC_DATA_ROOT] as IDataObject | undefined;
		const blob = ledgers?.[this.ledgerName] as PersistedLedger | undefined;
		return blob && typeof blob === 'object' && blob.v === COMPACT_LAYOUT && blob.r && typeof blob.r === 'object' ? blob : undefined;
	}
}

function isNewerTuple(candidate: CompactRecord, known: CompactRecord): boolean {
	const candidateAt = updatedAtOf(candidate);
	const knownAt = updatedAtOf(known);
	return candidateAt > knownAt || (candidateAt === knownAt && (candidate[VERSION] as number) > (known[VERSION] as number));
}
