import cloneDeep from 'lodash/cloneDeep';
import type { IDataObject } from 'n8n-workflow';

import {
	EVICTABLE_STATES,
	LEDGER_STATES,
	type EvictionPolicy,
	type EvictionReport,
	type InsertResult,
	type LedgerRecord,
	type LedgerStore,
	type ListFilter,
	type ReplaceResult,
} from '../types';
import { decodeRecord, detachedCopy, encodeRecord, estimatedBytes, isValidTuple, STATE, tupleFromText, tupleToText, updatedAtOf, VERSION, type CompactRecord } from './compact';
import { currentProcessId, escapePersistedKey, READABLE_LAYOUTS, unescapePersistedKey, type DurableWindow, type LedgerTable, type PersistedLedger } from './registry';

/** Where the ledgers sit in the workflow's `global` static data (keyed by ledger name, never node name). */
export const STATIC_DATA_ROOT = 'idempotentInvoiceLedgers';

const POSTED = LEDGER_STATES.indexOf('POSTED');
const EVICTABLE = new Set([...EVICTABLE_STATES].map((state) => LEDGER_STATES.indexOf(state)));

/**
 * The embedded store: the process registry is the truth, workflow static data its durable copy.
 * Every primitive is synchronous inside (no await between check and set), hence atomic within
 * the process. `flush` hands n8n the registry's live persisted form, so whichever execution n8n
 * saves last carries every durable record of the process (n8n's write-back is last-writer-wins).
 *
 * What is durable (LedgerTable.persisted): every record that is not POSTED — live ones (a restart
 * must not forget a reservation) and review ones (FAILED, UNKNOWN) — and the newest POSTED records
 * within the durable window. n8n reads and writes a workflow's whole static data on every production
 * execution, so this bound is what keeps an execution's cost flat however many invoices were posted.
 */
export class StaticDataLedgerStore implements LedgerStore {
	private dirty = false;

	constructor(
		private readonly table: LedgerTable,
		private readonly staticData: IDataObject,
		private readonly ledgerName: string,
		window?: Partial<DurableWindow>,
	) {
		if (window) {
			table.window = { ...table.window, ...window };
			this.trimDurableWindow();
		}
	}

	/** Merge what is persisted into the registry: per key, the newer record wins. */
	load(): { merged: number } {
		const found = this.persisted();
		if (!found || found.blob.p === currentProcessId()) return { merged: 0 };
		const { blob, escaped } = found;
		const records = this.table.records;
		let merged = 0;
		const persistedRecords = blob.r;
		// Keys, not entries: a pair array per record cost a restart of 50k records ~20 ms.
		for (const name of Object.keys(persistedRecords)) {
			const tuple = storedTuple(persistedRecords[name]);
			if (!tuple) continue;
			const key = escaped ? unescapePersistedKey(name) : name;
			const known = records.get(key);
			if (known && !isNewerTuple(tuple, known)) continue;
			if (known) this.remove(key);
			this.putTuple(key, tuple);
			merged++;
		}
		if (typeof blob.h === 'number' && blob.h > (this.table.persisted.h ?? 0)) this.table.persisted.h = blob.h;
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
		this.remove(next.key);
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
		const table = this.table;
		const records = table.records;
		const expiredBefore = now - policy.ttlMs;
		const maxBytes = policy.maxBytes ?? Infinity;
		let evicted = 0;
		// Oldest first (Map order = updatedAt order): expired POSTED records, then the size bounds.
		for (const [key, tuple] of this.oldestFirst()) {
			const overBound = records.size > policy.maxRecords || table.bytes > maxBytes;
			if (updatedAtOf(tuple) >= expiredBefore && !overBound) break;
			if (!EVICTABLE.has(tuple[STATE] as number)) continue;
			this.remove(key);
			evicted++;
		}
		return {
			evicted,
			overBoundLive: Math.max(0, records.size - policy.maxRecords),
			overBoundBytes: Number.isFinite(maxBytes) ? Math.max(0, table.bytes - maxBytes) : 0,
		};
	}

	async flush(): Promise<void> {
		if (!this.dirty) return;
		const ledgers = { ...((this.staticData[STATIC_DATA_ROOT] as IDataObject | undefined) ?? {}) };
		// The live persisted forms, not copies (see LedgerTable.persisted), of every ledger of the
		// workflow this process holds (see LedgerTable.workflowLedgers). Assigning the root is what
		// marks n8n's static-data proxy as changed, so that this execution's static data is saved.
		for (const [name, table] of this.table.workflowLedgers) {
			textPending(table);
			table.persisted.p = currentProcessId();
			ledgers[escapePersistedKey(name)] = table.persisted as unknown as IDataObject;
			// The same ledger under its unescaped name (written before keys were escaped) is merged now.
			if (isLegacyBlob(ownValue(ledgers, name))) delete ledgers[name];
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

	/** Stores a tuple for an absent key (callers remove the old one first). */
	private putTuple(key: string, tuple: CompactRecord): void {
		const table = this.table;
		const updatedAt = updatedAtOf(tuple);
		if (updatedAt < table.newestUpdatedAt) table.ordered = false;
		else table.newestUpdatedAt = updatedAt;
		const bytes = estimatedBytes(key, tuple);
		table.records.set(key, tuple);
		table.bytes += bytes;
		persistTuple(table, key, tuple);
		if (tuple[STATE] === POSTED) {
			table.durableSettled.set(key, bytes);
			table.durableSettledBytes += bytes;
			this.trimDurableWindow();
		}
		this.dirty = true;
	}

	private remove(key: string): void {
		const table = this.table;
		const tuple = table.records.get(key);
		if (!tuple) return;
		table.records.delete(key);
		table.bytes -= estimatedBytes(key, tuple);
		delete table.persisted.r[escapePersistedKey(key)];
		const durableBytes = table.durableSettled.get(key);
		if (durableBytes !== undefined) {
			table.durableSettled.delete(key);
			table.durableSettledBytes -= durableBytes;
		}
		this.dirty = true;
	}

	/** The oldest POSTED records leave static data (not the registry) while over the durable window. */
	private trimDurableWindow(): void {
		const table = this.table;
		const { records: maxRecords, bytes: maxBytes } = table.window;
		for (const [key, bytes] of table.durableSettled) {
			if (table.durableSettled.size <= maxRecords && table.durableSettledBytes <= maxBytes) break;
			table.durableSettled.delete(key);
			table.durableSettledBytes -= bytes;
			delete table.persisted.r[escapePersistedKey(key)];
			const tuple = table.records.get(key);
			if (tuple) table.persisted.h = Math.max(table.persisted.h ?? 0, updatedAtOf(tuple));
			this.dirty = true;
		}
	}

	private persisted(): { blob: PersistedLedger; escaped: boolean } | undefined {
		const ledgers = this.staticData[STATIC_DATA_ROOT] as IDataObject | undefined;
		if (!ledgers || typeof ledgers !== 'object') return undefined;
		const current = ownValue(ledgers, escapePersistedKey(this.ledgerName));
		if (isBlob(current) && current.e === 1) return { blob: current, escaped: true };
		// Written before keys and names were escaped: read it as it is, written back escaped.
		const legacy = ownValue(ledgers, this.ledgerName);
		if (isLegacyBlob(legacy)) return { blob: legacy, escaped: false };
		return undefined;
	}
}

/**
 * Writes a registry tuple's durable copy: the tuple itself until the next flush turns it into text
 * (layout 3, see PERSISTED_LAYOUT). If n8n saves it before that, as a concurrent execution's save can,
 * it is a layout-2 entry, which loads just as well.
 */
export function persistTuple(table: LedgerTable, key: string, tuple: CompactRecord): void {
	const name = escapePersistedKey(key);
	table.persisted.r[name] = tuple;
	table.untexted.add(name);
}

function textPending(table: LedgerTable): void {
	for (const name of table.untexted) {
		const stored = table.persisted.r[name];
		if (Array.isArray(stored)) table.persisted.r[name] = tupleToText(stored);
	}
	table.untexted.clear();
}

/** Keys of the records static data holds for a ledger (tests and the bench look at what n8n saves). */
export function persistedKeys(staticData: IDataObject, ledgerName: string): string[] {
	const ledgers = staticData[STATIC_DATA_ROOT] as IDataObject | undefined;
	const blob = ledgers ? ownValue(ledgers, escapePersistedKey(ledgerName)) : undefined;
	return isBlob(blob) ? Object.keys(blob.r).map(unescapePersistedKey) : [];
}

function ownValue(object: object, name: string): unknown {
	return Object.prototype.hasOwnProperty.call(object, name) ? (object as Record<string, unknown>)[name] : undefined;
}

function isBlob(value: unknown): value is PersistedLedger {
	const blob = value as PersistedLedger | undefined;
	return typeof blob === 'object' && blob !== null && READABLE_LAYOUTS.includes(blob.v) && typeof blob.r === 'object' && blob.r !== null;
}

/**
 * A registry tuple from what a blob holds for a key: its JSON text (layout 3), or the tuple itself
 * (layout 2), copied — n8n hands static data over wrapped in proxies tied to the execution's whole
 * snapshot, and none of them may stay in the registry. Undefined for anything this layout did not write.
 */
function storedTuple(stored: unknown): CompactRecord | undefined {
	if (typeof stored === 'string') return tupleFromText(stored);
	return isValidTuple(stored) ? detachedCopy(stored) : undefined;
}

function isLegacyBlob(value: unknown): value is PersistedLedger {
	return isBlob(value) && value.e !== 1;
}

function isNewerTuple(candidate: CompactRecord, known: CompactRecord): boolean {
	const candidateAt = updatedAtOf(candidate);
	const knownAt = updatedAtOf(known);
	return candidateAt > knownAt || (candidateAt === knownAt && (candidate[VERSION] as number) > (known[VERSION] as number));
}
