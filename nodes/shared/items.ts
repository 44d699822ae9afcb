import { createHash, randomBytes } from 'crypto';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { LedgerUnavailableError } from './ledger/errors';
import type { LedgerRecord, LedgerState } from './ledger/types';

/** Longest key accepted: keys are stored in every record and sent as ERP headers. */
export const MAX_KEY_LENGTH = 512;

/**
 * A problem with one item's input: it fails that item only. The message names the parameter (or
 * field) as the user sees it and the item as n8n does (`[item 3]`); the description says how to fix it.
 */
export class ItemInputError extends Error {
	constructor(
		readonly itemIndex: number,
		readonly field: string,
		problem: string,
		readonly description?: string,
	) {
		super(`${field} ${problem} [item ${itemIndex}]`);
		this.name = 'ItemInputError';
	}
}

/** `={{ $json.field }}` or `={{ $json["field name"] }}`: what the per-item parameters are by default. */
const SINGLE_FIELD_EXPRESSION = /^=\{\{\s*\$json(?:\.([A-Za-z_$][\w$]*)|\[\s*(?:"([^"\\]*)"|'([^'\\]*)')\s*\])\s*\}\}$/;

/** The field a parameter's raw value only reads from the item, if that is all it does. */
export function singleFieldOf(raw: unknown): string | undefined {
	if (typeof raw !== 'string') return undefined;
	const match = SINGLE_FIELD_EXPRESSION.exec(raw.trim());
	return match ? (match[1] ?? match[2] ?? match[3]) : undefined;
}

/**
 * A per-item parameter. One that only reads a field of the item (the defaults) is read directly:
 * n8n's expression engine builds a data proxy for every evaluation (~80 µs), which for 2,000
 * invoices held the first post back by more than half a second. Anything else n8n evaluates.
 */
export function itemParameter(fns: IExecuteFunctions, name: string, itemIndex: number): unknown {
	const raw = fns.getNodeParameter(name, itemIndex, '', { rawExpressions: true }) as unknown;
	const field = singleFieldOf(raw);
	if (field !== undefined) {
		const item = fns.getInputData()[itemIndex];
		if (item) return item.json[field];
	}
	return fns.getNodeParameter(name, itemIndex, '') as unknown;
}

/** The idempotencyKey parameter of an item, as given (validateKey checks it); an expression that fails names the item. */
export function readKeyParameter(fns: IExecuteFunctions, itemIndex: number): unknown {
	let value: unknown;
	let evaluationProblem: string | undefined;
	try {
		value = itemParameter(fns, 'idempotencyKey', itemIndex);
	} catch (error) {
		evaluationProblem = (error as Error).message;
	}
	// Thrown outside the catch: callers turn ItemInputError into n8n's NodeOperationError (failItemOrThrow).
	if (evaluationProblem !== undefined) {
		throw new ItemInputError(itemIndex, KEY, `could not be evaluated: ${evaluationProblem}`, 'Check the expression of the Idempotency Key parameter');
	}
	return value;
}

export function readIdempotencyKey(fns: IExecuteFunctions, itemIndex: number): string {
	return validateKey(readKeyParameter(fns, itemIndex), itemIndex);
}

const KEY = 'Idempotency Key';
const KEY_HOW = 'Set Idempotency Key to an expression that is unique per invoice and the same on every retry, e.g. {{ $json.companyId }}-{{ $json.invoiceNumber }}';

export function validateKey(value: unknown, itemIndex: number): string {
	if (typeof value === 'number' && Number.isFinite(value)) value = String(value);
	// A missing field ($json.idempotencyKey absent) is an empty key, not a type problem.
	if (value === undefined || value === null) value = '';
	if (typeof value !== 'string') {
		throw new ItemInputError(itemIndex, KEY, `must be a string, got ${typeof value}`, KEY_HOW);
	}
	const key = value.trim();
	if (key === '') {
		throw new ItemInputError(itemIndex, KEY, 'is empty', KEY_HOW);
	}
	// "--" is what {{ $json.a }}-{{ $json.b }} gives when both fields are missing: every such item would share one key.
	if (!/[\p{L}\p{N}]/u.test(key)) {
		throw new ItemInputError(itemIndex, KEY, `"${key}" has no letter or digit: the fields it is built from are probably missing from the item`, KEY_HOW);
	}
	if (key.length > MAX_KEY_LENGTH) {
		throw new ItemInputError(itemIndex, KEY, `is ${key.length} characters long; at most ${MAX_KEY_LENGTH} are allowed`, 'Build the key from the fields that identify the invoice, or a hash of them');
	}
	return key;
}

/**
 * The reference used when the item has none: derived from the key only (never from the clock), so
 * a re-run of the same invoice produces the same reference and can be found again in the ERP.
 * Letters, digits and '-' only, 20 characters: valid on every ERP we post to.
 */
export function deriveReference(key: string): string {
	return `IDK-${createHash('sha256').update(key).digest('hex').slice(0, 16).toUpperCase()}`;
}

export function readReference(fns: IExecuteFunctions, itemIndex: number, key: string): string {
	const value = itemParameter(fns, 'reference', itemIndex);
	if (value !== undefined && value !== null && typeof value !== 'string' && typeof value !== 'number') {
		// An object or list would be posted as "[object Object]" and never found again by lookup.
		const field = singleFieldOf(fns.getNodeParameter('reference', itemIndex, '', { rawExpressions: true }));
		throw new ItemInputError(itemIndex, field ? `Reference ($json.${field})` : 'Reference', `must be text or a number, not ${Array.isArray(value) ? 'a list' : typeof value}`, "Map Reference to the field that holds the invoice's own reference (text), or leave it empty to derive one from the Idempotency Key");
	}
	const reference = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	return reference === '' ? deriveReference(key) : reference;
}

export function newCorrelationId(): string {
	return randomBytes(6).toString('hex');
}

/** The `idempotency` object every item leaving our nodes gains (its fields are public: users' workflows read them). */
export interface IdempotencyInfo extends IDataObject {
	key: string;
	reference: string | null;
	state: LedgerState | null;
	erpId: string | null;
	attempts: number;
	correlationId: string | null;
	outcome: string;
	firstSeenAt: string | null;
	updatedAt: string | null;
}

export function idempotencyInfo(
	key: string,
	record: LedgerRecord | undefined,
	outcome: string,
	extra: { error?: string; reference?: string; state?: LedgerState | null; response?: IDataObject } = {},
): IdempotencyInfo {
	const info: IdempotencyInfo = {
		key,
		reference: extra.reference ?? record?.reference ?? null,
		state: extra.state !== undefined ? extra.state : (record?.state ?? null),
		erpId: record?.erpId ?? null,
		attempts: record?.attempts ?? 0,
		correlationId: record?.correlationId ?? null,
		outcome,
		firstSeenAt: record ? new Date(record.firstSeenAt).toISOString() : null,
		updatedAt: record ? new Date(record.updatedAt).toISOString() : null,
	};
	const error = extra.error ?? (record?.state === 'POSTED' ? undefined : record?.error);
	if (error !== undefined) info.error = error;
	const response = extra.response ?? record?.response;
	if (response !== undefined) info.response = response;
	return info;
}

/** The input item, unchanged, plus `idempotency`; `pairedItem` always set. */
export function withIdempotency(item: INodeExecutionData, itemIndex: number, info: IdempotencyInfo): INodeExecutionData {
	return { json: { ...item.json, idempotency: info }, pairedItem: { item: itemIndex } };
}

/** For per-item problems: with Continue On Fail the item leaves with `error`; otherwise the node fails, naming the item. */
export function failItemOrThrow(
	fns: IExecuteFunctions,
	item: INodeExecutionData,
	itemIndex: number,
	error: Error,
	key?: string,
): INodeExecutionData {
	if (!fns.continueOnFail()) {
		if (error instanceof LedgerUnavailableError) throw ledgerOutage(fns, error, itemIndex);
		const description = (error as { description?: unknown }).description;
		throw new NodeOperationError(fns.getNode(), error.message, { itemIndex, ...(typeof description === 'string' ? { description } : {}) });
	}
	return {
		json: {
			...item.json,
			error: error.message,
			idempotency: idempotencyInfo(key ?? '', undefined, 'error', { error: error.message }),
		},
		pairedItem: { item: itemIndex },
	};
}

/**
 * Runs `work` once per item with its validated idempotency key; an item whose key or work fails
 * leaves with its error (Continue On Fail) or fails the node naming the item — one output.
 */
export async function mapKeyedItems(
	fns: IExecuteFunctions,
	items: INodeExecutionData[],
	work: (key: string, item: INodeExecutionData, itemIndex: number) => Promise<INodeExecutionData>,
): Promise<INodeExecutionData[]> {
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const item = items[itemIndex];
		let key: string | undefined;
		try {
			key = readIdempotencyKey(fns, itemIndex);
			out.push(await work(key, item, itemIndex));
		} catch (error) {
			out.push(failItemOrThrow(fns, item, itemIndex, error as Error, key));
		}
	}
	return out;
}

/**
 * A ledger that cannot be reached (Redis down, a store error) fails the node as n8n's
 * NodeOperationError saying what to check, not as a raw error; other errors pass unchanged.
 * The cause goes in the description: in the message, n8n would replace a text containing
 * ECONNREFUSED by its generic "The service refused the connection".
 */
export function ledgerOutage(fns: IExecuteFunctions, error: unknown, itemIndex?: number): unknown {
	if (!(error instanceof LedgerUnavailableError)) return error;
	const cause = error.message.replace(/^ledger unavailable: /i, '');
	return new NodeOperationError(fns.getNode(), 'The ledger is unavailable', {
		description: `${cause}. Nothing was posted on its word. Check the Ledger Store: for Redis, that the server is up and the Redis credential is right; then run the workflow again.`,
		...(itemIndex !== undefined ? { itemIndex } : {}),
	});
}
