import cloneDeep from 'lodash/cloneDeep';
import type { IDataObject } from 'n8n-workflow';

import {
	TERMINAL_STATES,
	type EvictionPolicy,
	type EvictionReport,
	type InsertResult,
	type LedgerRecord,
	type LedgerStore,
	type ListFilter,
	type ReplaceResult,
} from '../types';
import { COMPACT_LAYOUT, decodeRecord, encodeRecord, type CompactRecord } from './compact';
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
		for (const [key, tuple] of Object.entries(persisted.r)) {
			const incoming = decodeRecord(key, tuple);
			if (!incoming) continue;
			const known = records.get(key);
			if (known && !isNewer(incoming, known)) continue;
			// The record was just decoded (no caller holds it) and the tuple is in this layout: adopt both
			// as they are — a restart loads every record, so it must not clone and re-encode each one.
			if (known) records.delete(key);
			this.put(incoming, tuple as CompactRecord);
			merged++;
		}
		return { merged };
	}

	async get(key: string): Promise<LedgerRecord | undefined> {
		return cloneRecord(this.table.records.get(key));
	}

	async getMany(keys: string[]): Promise<Map<string, LedgerRecord>> {
		const found = new Map<string, LedgerRecord>();
		for (const key of keys) {
			const record = this.table.records.get(key);
			if (record) found.set(key, cloneRecord(record));
		}
		return found;
	}

	async insert(record: LedgerRecord): Promise<InsertResult> {
		const existing = this.table.records.get(record.key);
		if (existing) return { ok: false, existing: cloneRecord(existing) };
		this.put(record);
		return { ok: true };
	}

	async replace(next: LedgerRecord, expectedVersion: number): Promise<ReplaceResult> {
		const records = this.table.records;
		const current = records.get(next.key);
		if (!current || current.version !== expectedVersion) return { ok: false, current: cloneRecord(current) };
		// Re-insert at the end: the Map stays in updatedAt order.
		records.delete(next.key);
		this.put(next);
		return { ok: true };
	}

	async delete(key: string, expectedVersion?: number): Promise<boolean> {
		const current = this.table.records.get(key);
		if (!current || (expectedVersion !== undefined && current.version !== expectedVersion)) return false;
		this.remove(key);
		return true;
	}

	async list(filter: ListFilter): Promise<LedgerRecord[]> {
		const states = filter.states ? new Set(filter.states) : undefined;
		const found: LedgerRecord[] = [];
		for (const record of this.oldestFirst()) {
			if (states && !states.has(record.state)) continue;
			if (filter.updatedBefore !== undefined && record.updatedAt >= filter.updatedBefore) continue;
			found.push(cloneRecord(record));
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
		for (const record of this.oldestFirst()) {
			const overBound = records.size > policy.maxRecords;
			if (record.updatedAt >= expiredBefore && !overBound) break;
			if (!TERMINAL_STATES.has(record.state)) continue;
			this.remove(record.key);
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

	/** The records, oldest `updatedAt` first (re-sorted only after an out-of-order write). */
	private oldestFirst(): IterableIterator<LedgerRecord> {
		const table = this.table;
		if (!table.ordered) {
			const sorted = [...table.records.values()].sort((a, b) => a.updatedAt - b.updatedAt);
			table.records.clear();
			for (const record of sorted) table.records.set(record.key, record);
			table.ordered = true;
		}
		return table.records.values();
	}

	/** `decoded`: the record came from this very tuple and nobody else holds it (load). */
	private put(record: LedgerRecord, decoded?: CompactRecord): void {
		const table = this.table;
		if (record.updatedAt < table.newestUpdatedAt) table.ordered = false;
		else table.newestUpdatedAt = record.updatedAt;
		table.records.set(record.key, decoded ? record : cloneRecord(record));
		table.persisted.r[record.key] = decoded ?? encodeRecord(record);
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

function isNewer(candidate: LedgerRecord, known: LedgerRecord): boolean {
	return candidate.updatedAt > known.updatedAt || (candidate.updatedAt === known.updatedAt && candidate.version > known.version);
}

/** Callers never share a stored record's objects (a later change to `response` must not reach the store). */
function cloneRecord(record: LedgerRecord): LedgerRecord;
function cloneRecord(record: LedgerRecord | undefined): LedgerRecord | undefined;
function cloneRecord(record: LedgerRecord | undefined): LedgerRecord | undefined {
	if (!record) return undefined;
	return record.response ? { ...record, response: cloneDeep(record.response) } : { ...record };
}
