import type { IDataObject } from 'n8n-workflow';

/** Default cap of a stored response (Dedupe Check `markPosted`'s `response`, the Post node's ERP answer). */
export const DEFAULT_MAX_RESPONSE_BYTES = 4096;

/** The field a truncated response carries, saying what was left out. */
export const TRUNCATION_MARKER = '_truncated';

export interface StoredResponse {
	response: IDataObject;
	/** Bytes of the response as given (after dropping headers), when it had to be cut. */
	truncatedFrom?: number;
}

/**
 * The one place a response is made fit for the ledger: request/response `headers` are never stored
 * (a webhook item's `$json.headers` carries the caller's Authorization), and a response over
 * `maxBytes` of JSON keeps its top-level fields in order while they fit — ids and statuses first
 * in every ERP answer — and names the ones it dropped under `_truncated`. A record is rewritten into
 * static data (or Redis) on every change, so one 1 MB answer must not cost 1 MB per execution.
 */
export function storedResponse(response: IDataObject, maxBytes = DEFAULT_MAX_RESPONSE_BYTES): StoredResponse {
	const clean = withoutHeaders(response) as IDataObject;
	const json = JSON.stringify(clean) ?? '{}';
	if (json.length <= maxBytes) return { response: clean };

	const kept: IDataObject = {};
	const dropped: string[] = [];
	// Room for the marker itself (field names and sizes), so the result stays within maxBytes.
	let budget = maxBytes - 120;
	for (const [field, value] of Object.entries(clean)) {
		const size = field.length + 4 + (JSON.stringify(value)?.length ?? 0);
		if (size <= budget) {
			setField(kept, field, value);
			budget -= size;
		} else {
			dropped.push(field);
		}
	}
	// The dropped names are capped too: an answer of 10,000 small fields must not list them all.
	let droppedFields = dropped;
	while (droppedFields.length > 0 && JSON.stringify(droppedFields).length > Math.max(0, budget)) droppedFields = droppedFields.slice(0, Math.floor(droppedFields.length / 2));
	kept[TRUNCATION_MARKER] = { originalBytes: json.length, maxBytes, droppedFields, droppedCount: dropped.length };
	return { response: kept, truncatedFrom: json.length };
}

function withoutHeaders(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(withoutHeaders);
	if (value === null || typeof value !== 'object') return value;
	const copy: Record<string, unknown> = {};
	for (const [field, entry] of Object.entries(value)) {
		if (field.toLowerCase() === 'headers') continue;
		setField(copy, field, withoutHeaders(entry));
	}
	return copy;
}

/** defineProperty, not assignment: a field named `__proto__` stays a field. */
function setField(target: object, field: string, value: unknown): void {
	Object.defineProperty(target, field, { value, enumerable: true, writable: true, configurable: true });
}
