import { createHash } from 'crypto';

/**
 * JSON with object keys sorted at every depth and `undefined` dropped, so that two payloads that
 * differ only in property order (or in absent-vs-undefined fields) have one canonical form.
 */
export function canonicalJson(value: unknown): string {
	return JSON.stringify(sortDeep(value)) ?? 'null';
}

function sortDeep(value: unknown): unknown {
	if (Array.isArray(value)) return value.map((entry) => (entry === undefined ? null : sortDeep(entry)));
	if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
		// No prototype: a field named `__proto__` (JSON.parse makes it an own field) is kept like any
		// other, instead of setting the prototype and vanishing from the fingerprint.
		const sorted = Object.create(null) as Record<string, unknown>;
		for (const key of Object.keys(value).sort()) {
			const entry = (value as Record<string, unknown>)[key];
			if (entry !== undefined) sorted[key] = sortDeep(entry);
		}
		return sorted;
	}
	return value;
}

/** sha256 of the canonical JSON, base64url (43 characters: compact in the persisted ledger). */
export function fingerprintOf(value: unknown): string {
	return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}
