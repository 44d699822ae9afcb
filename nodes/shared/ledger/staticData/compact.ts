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
 * 13 response.
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
	];
	while (tuple.length > 9 && tuple[tuple.length - 1] === 0) tuple.pop();
	return tuple;
}

/** Undefined when the tuple is not one this layout wrote (a corrupt blob must not crash a run, nor poison the ledger). */
export function decodeRecord(key: string, tuple: unknown): LedgerRecord | undefined {
	if (!Array.isArray(tuple) || tuple.length < 9) return undefined;
	const [stateIndex, fingerprint, reference, , attempts, correlationId, firstSeenAt, updatedDelta, version] = tuple as unknown[];
	const state = Number.isInteger(stateIndex) ? LEDGER_STATES[stateIndex as number] : undefined;
	if (!state || typeof fingerprint !== 'string' || typeof reference !== 'string') return undefined;
	if (!isFiniteNumber(firstSeenAt) || !isFiniteNumber(updatedDelta) || !isFiniteNumber(version)) return undefined;
	const record: LedgerRecord = {
		key,
		state,
		fingerprint,
		reference,
		attempts: Number(attempts) || 0,
		correlationId: String(correlationId),
		firstSeenAt,
		updatedAt: firstSeenAt + updatedDelta,
		version,
	};
	const optional = (index: number) => (tuple[index] === 0 || tuple[index] === undefined || tuple[index] === null ? undefined : tuple[index]);
	if (optional(3) !== undefined) record.erpId = String(tuple[3]);
	if (optional(9) !== undefined) record.latencyMs = Number(tuple[9]);
	if (optional(10) !== undefined) record.leaseUntil = Number(tuple[10]);
	if (optional(11) !== undefined) record.nextAttemptAt = Number(tuple[11]);
	if (optional(12) !== undefined) record.error = String(tuple[12]);
	if (typeof optional(13) === 'object') record.response = tuple[13] as IDataObject;
	return record;
}

function isFiniteNumber(value: unknown): value is number {
	return typeof value === 'number' && Number.isFinite(value);
}
