import cloneDeep from 'lodash/cloneDeep';
import type { IDataObject } from 'n8n-workflow';

import { LEDGER_STATES, type LedgerRecord } from '../types';

/** Layout version of the tuples below; a blob of another layout is not decoded (see PersistedLedger.v). */
export const COMPACT_LAYOUT = 2;

/**
 * The persisted form of one record: a positional array, absent fields as 0 and trailing absences
 * trimmed — at most 200 bytes with its key for a POSTED record (test/unit), where the same record as
 * an object is ~400. `updatedAt` is stored as its distance from `firstSeenAt` (a few digits instead
 * of 13), and `latencyMs` comes before the lease fields, which settled records no longer have.
 * Index: 0 state, 1 fingerprint, 2 reference, 3 erpId, 4 attempts, 5 correlationId, 6 firstSeenAt,
 * 7 updatedAt − firstSeenAt, 8 version, 9 latencyMs, 10 leaseUntil, 11 nextAttemptAt, 12 error,
 * 13 response, 14 owner (PENDING only; added after layout 2 shipped, so older tuples simply lack it).
 */
export type CompactRecord = Array<string | number | IDataObject>;

export function encodeRecord(record: LedgerRecord): CompactRecord {
	const tuple: CompactRecord = [
		LEDGER_STATES.indexOf(record.state),
		record.fingerprint,
		record.reference,
		record.erpId ?? 0,
		record.attempts,
		record.correlationId,
		record.firstSeenAt,
		record.updatedAt - record.firstSeenAt,
		record.version,
		record.latencyMs ?? 0,
		record.leaseUntil ?? 0,
		record.nextAttemptAt ?? 0,
		record.error ?? 0,
		record.response ?? 0,
		record.owner ?? 0,
	];
	while (tuple.length > 9 && tuple[tuple.length - 1] === 0) tuple.pop();
	return tuple;
}

export const STATE = 0;
export const VERSION = 8;
const RESPONSE = 13;
const OWNER = 14;

/** Whether the tuple is one this layout wrote (a corrupt blob must not crash a run, nor poison the ledger). */
export function isValidTuple(tuple: unknown): tuple is CompactRecord {
	if (!Array.isArray(tuple) || tuple.length < 9) return false;
	const stateIndex = tuple[STATE] as unknown;
	if (!Number.isInteger(stateIndex) || LEDGER_STATES[stateIndex as number] === undefined) return false;
	if (typeof tuple[1] !== 'string' || typeof tuple[2] !== 'string') return false;
	return isFiniteNumber(tuple[6]) && isFiniteNumber(tuple[7]) && isFiniteNumber(tuple[VERSION]);
}

export function updatedAtOf(tuple: CompactRecord): number {
	return (tuple[6] as number) + (tuple[7] as number);
}

/** Undefined when the tuple is not one this layout wrote. */
export function decodeRecord(key: string, tuple: unknown): LedgerRecord | undefined {
	// Index access, no destructuring or closures: reads decode on every get.
	if (!isValidTuple(tuple)) return undefined;
	const firstSeenAt = tuple[6] as number;
	const record: LedgerRecord = {
		key,
		state: LEDGER_STATES[tuple[STATE] as number],
		fingerprint: tuple[1] as string,
		reference: tuple[2] as string,
		attempts: Number(tuple[4]) || 0,
		correlationId: String(tuple[5]),
		firstSeenAt,
		updatedAt: firstSeenAt + (tuple[7] as number),
		version: tuple[VERSION] as number,
	};
	if (isPresent(tuple[3])) record.erpId = String(tuple[3]);
	if (isPresent(tuple[9])) record.latencyMs = Number(tuple[9]);
	if (isPresent(tuple[10])) record.leaseUntil = Number(tuple[10]);
	if (isPresent(tuple[11])) record.nextAttemptAt = Number(tuple[11]);
	if (isPresent(tuple[12])) record.error = String(tuple[12]);
	if (isPresent(tuple[RESPONSE]) && typeof tuple[RESPONSE] === 'object') record.response = tuple[RESPONSE] as IDataObject;
	if (isPresent(tuple[OWNER])) record.owner = String(tuple[OWNER]);
	return record;
}

/** A plain copy sharing no object with the original (its stored response deep-copied). */
export function detachedCopy(tuple: CompactRecord): CompactRecord {
	const copy = tuple.slice();
	const response = copy[RESPONSE];
	if (typeof response === 'object' && response !== null) copy[RESPONSE] = cloneDeep(response);
	return copy;
}

/**
 * A tuple as text for static data (layout 3). Its JSON text with `"` and `'` swapped: static data is
 * itself JSON, where every `"` inside a string costs a backslash (~10 bytes a record), and `'` never
 * needs one. The swap is its own inverse, so any content survives; a `'` in a field costs the backslash instead.
 */
export function tupleToText(tuple: CompactRecord): string {
	return swapQuotes(JSON.stringify(tuple));
}

/** The tuple tupleToText wrote, or undefined for any other text. */
export function tupleFromText(text: string): CompactRecord | undefined {
	try {
		const parsed: unknown = JSON.parse(swapQuotes(text));
		return isValidTuple(parsed) ? parsed : undefined;
	} catch {
		return undefined;
	}
}

const swapQuotes = (text: string): string => text.replace(/["']/g, (quote) => (quote === '"' ? "'" : '"'));

/** Absent fields are written as 0 (or trimmed off the end). */
function isPresent(value: unknown): boolean {
	return value !== 0 && value !== undefined && value !== null;
}

function isFiniteNumber(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value);
}

/**
 * The JSON bytes the tuple costs in static data with its key (`"~key":"[…]",`), estimated without
 * serialising the whole tuple (only a stored response is serialised, and it is capped): the ledger's
 * bound and the durable window count bytes, not only records.
 */
export function estimatedBytes(key: string, tuple: CompactRecord): number {
	let bytes = key.length + 9;
	for (const field of tuple) {
		if (typeof field === 'string') bytes += field.length + 3;
		else if (typeof field === 'number') bytes += String(field).length + 1;
		else bytes += (JSON.stringify(field)?.length ?? 4) + 1;
	}
	return bytes;
}
