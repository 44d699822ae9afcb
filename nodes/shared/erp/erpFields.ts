import type { IDataObject } from 'n8n-workflow';

/** Names that would reach an object's prototype instead of a field. */
const PROTOTYPE_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

export type WithErpFields<T> = { body: T } | { problem: string };

/**
 * `erpFields` (and the generic adapter's body template) add what the canonical model lacks; they
 * never replace a field the adapter set, nor a protocol field (`protocolFields`, refused even when
 * the adapter left it unset: Erply's `request`, a reference the lookup depends on, a unique key…).
 * Replacing one would let item data choose the API call, or post under another reference so that a
 * timeout then posts a duplicate. Names are compared case-insensitively: some ERPs' JSON readers are
 * (ASP.NET's), and `Request` next to `request` must not slip through.
 *
 * Returns the merged body, or why the item is refused (naming the field).
 */
export function addErpFields<T extends object>(
	built: T,
	erpFields: IDataObject | undefined,
	erp: string,
	protocolFields: readonly string[] = [],
): WithErpFields<T & IDataObject> {
	const merged = { ...built } as T & IDataObject;
	if (erpFields === undefined || erpFields === null) return { body: merged };
	if (typeof erpFields !== 'object' || Array.isArray(erpFields)) {
		return { problem: 'erpFields must be an object of extra fields' };
	}
	const taken = new Map<string, string>();
	for (const name of Object.keys(built)) taken.set(name.toLowerCase(), `it is set by the node for ${erp}`);
	for (const name of protocolFields) taken.set(name.toLowerCase(), `${erp} reserves it for the node`);
	for (const [name, value] of Object.entries(erpFields)) {
		const folded = name.toLowerCase();
		if (PROTOTYPE_NAMES.has(folded)) return { problem: `erpFields.${name} is refused: not a field name` };
		const reason = taken.get(folded);
		if (reason !== undefined) {
			return { problem: `erpFields.${name} is refused: ${reason} (erpFields may add fields, never replace one)` };
		}
		if (value === undefined) continue;
		Object.defineProperty(merged, name, { value, enumerable: true, writable: true, configurable: true });
	}
	return { body: merged };
}
