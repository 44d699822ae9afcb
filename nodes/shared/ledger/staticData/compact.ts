import type { IDataObject } from 'n8n-workflow';

import { LEDGER_STATES, type LedgerRecord } from '../types';

/**
 * The persisted form of one record: a positional array, absent fields as 0 and trailing absences
 * trimmed — about 180 bytes for a POSTED record, where the same record as an object is ~400.
 * Index: 0 state, 1 fingerprint, 2 reference, 3 erpId, 4 attempts, 5 correlationId, 6 firstSeenAt,
 * 7 updatedAt, 8 version, 9 leaseUntil, 10 nextAttemptAt, 11 latencyMs, 12 error, 13 response.
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
		record.updatedAt,
		record.version,
		record.leaseUntil ?? 0,
		record.nextAttemptAt ?? 0,
		record.latencyMs ?? 0,
		record.error ?? 0,
		record.response ?? 0,
	];
	while (tuple.length > 9 && tuple[tuple.length - 1] === 0) tuple.pop();
	return tuple;
}

/** Undefined when the tuple is not one this version wrote (a corrupt blob must not crash a run). */
export function decodeRecord(key: string, tuple: unknown): LedgerRecord | undefined {
	if (!Array.isArray(tuple) || tuple.length < 9) return undefined;
	const state = LEDGER_STATES[tuple[0] as number];
	if (!state || typeof tuple[1] !== 'string' || typeof tuple[2] !== 'string') return undefined;
	const record: LedgerRecord = {
		key,
		state,
		fingerprint: tuple[1],
		reference: tuple[2],
		attempts: Number(tuple[4]) || 0,
		correlationId: String(tuple[5]),
		firstSeenAt: Number(tuple[6]),
		updatedAt: Number(tuple[7]),
		version: Number(tuple[8]),
	};
	const optional = (index: number) => (tuple[index] === 0 || tuple[index] === undefined ? undefined : tuple[index]);
	if (optional(3) !== undefined) record.erpId = String(tuple[3]);
	if (optional(9) !== undefined) record.leaseUntil = Number(tuple[9]);
	if (optional(10) !== undefined) record.nextAttemptAt = Number(tuple[10]);
	if (optional(11) !== undefined) record.latencyMs = Number(tuple[11]);
	if (optional(12) !== undefined) record.error = String(tuple[12]);
	if (optional(13) !== undefined) record.response = tuple[13] as IDataObject;
	return record;
}
