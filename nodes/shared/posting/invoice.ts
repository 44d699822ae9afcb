import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { DateTime } from 'luxon';

import type { CanonicalInvoice, InvoiceLine } from '../erp/types';
import { ItemInputError, singleFieldOf } from '../items';

/** Limits that keep one bad item from hurting the run (a 1 MB description, a runaway payload). */
const MAX_TEXT = 1000;
const MAX_DESCRIPTION = 4000;
const MAX_INVOICE_BYTES = 256 * 1024;
const MAX_ERP_FIELDS_DEPTH = 32;

/** How deep objects/lists nest, walked without recursion (a hostile item nests thousands deep); stops past `limit`. */
function nestingDepth(value: unknown, limit: number): number {
	let deepest = 0;
	const pending: Array<[unknown, number]> = [[value, 1]];
	while (pending.length > 0) {
		const [current, depth] = pending.pop()!;
		if (!current || typeof current !== 'object') continue;
		deepest = Math.max(deepest, depth);
		if (deepest > limit) return deepest;
		for (const child of Object.values(current)) pending.push([child, depth + 1]);
	}
	return deepest;
}
/** Digits a JavaScript number (IEEE 754 double) holds exactly for any decimal: sent as written, never rounded. */
export const MAX_SIGNIFICANT_DIGITS = 15;
const DECIMAL = /^[+-]?(\d+)(?:\.(\d+))?$/;

/**
 * Minor units (ISO 4217 exponent) of the currencies that do not have two; every other has two.
 * An amount with more decimals than its currency has is refused, never rounded.
 */
const MINOR_UNITS: Record<string, number> = {
	BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
	BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
	CLF: 4, UYW: 4,
};
export const minorUnitsOf = (currency: string): number => MINOR_UNITS[currency] ?? 2;

type Party = 'customerId' | 'vendorAccount' | 'contactUrl' | 'transactionId';

/** The canonical invoice's fields a user maps on the Post node (`invoiceFields`), with their labels. */
export const INVOICE_FIELDS = {
	invoiceNumber: 'Invoice Number',
	invoiceDate: 'Invoice Date',
	dueDate: 'Due Date',
	currency: 'Currency',
	amount: 'Amount',
	customerId: 'Customer ID',
	vendorAccount: 'Vendor Account',
	contactUrl: 'Contact URL',
	customerName: 'Customer Name',
	transactionId: 'Transaction ID',
	lines: 'Lines',
	erpFields: 'ERP Fields',
} as const;
export type InvoiceField = keyof typeof INVOICE_FIELDS;

/** How one field is read: a field of the item (the defaults: no expression engine), or an expression n8n evaluates. */
type Source = { kind: 'field'; path: string } | { kind: 'expression'; expression: string };

/**
 * Where each canonical field comes from. The defaults read today's field names straight from the
 * item; any `{{ $json.someField }}` mapping does too (fast path, no expression engine — it costs
 * ~80 µs an item). Other expressions are evaluated by n8n per item.
 */
export class InvoiceMapping {
	private constructor(
		private readonly fns: IExecuteFunctions | undefined,
		private readonly sources: Record<InvoiceField, Source>,
	) {}

	/** Today's field names: what an item without a mapping (and every existing workflow) uses. */
	static readonly defaults = new InvoiceMapping(
		undefined,
		Object.fromEntries(Object.keys(INVOICE_FIELDS).map((field) => [field, { kind: 'field', path: field }])) as Record<InvoiceField, Source>,
	);

	/** The node's `invoiceFields` parameter (absent on nodes that have none: the defaults). */
	static read(fns: IExecuteFunctions): InvoiceMapping {
		let raw: unknown;
		try {
			raw = fns.getNodeParameter('invoiceFields', 0, {}, { rawExpressions: true });
		} catch {
			// A node without the parameter (Verify): today's field names.
			return InvoiceMapping.defaults;
		}
		const given = raw && typeof raw === 'object' ? (raw as IDataObject) : {};
		const sources = { ...InvoiceMapping.defaults.sources };
		for (const field of Object.keys(INVOICE_FIELDS) as InvoiceField[]) {
			const value = given[field];
			if (typeof value !== 'string' || value.trim() === '' || value.trim() === '=') continue;
			const path = singleFieldOf(value);
			sources[field] = path !== undefined ? { kind: 'field', path } : { kind: 'expression', expression: value };
		}
		return new InvoiceMapping(fns, sources);
	}

	/** What the user sees for a field in messages: its label and where it was read. */
	label(field: InvoiceField): string {
		const source = this.sources[field];
		return source.kind === 'field' ? `${INVOICE_FIELDS[field]} ($json.${source.path})` : INVOICE_FIELDS[field];
	}

	/**
	 * The field's value for the invoice `json` of input item `itemIndex`. `inBatch`: the invoice is
	 * one of a Batch Splitter batch item's invoices, where an expression would see the batch, not it.
	 */
	value(field: InvoiceField, json: IDataObject, itemIndex: number, inBatch: boolean): unknown {
		const source = this.sources[field];
		if (source.kind === 'field') return json[source.path];
		if (inBatch || !this.fns) {
			throw new ItemInputError(
				itemIndex,
				INVOICE_FIELDS[field],
				'is an expression, which cannot be applied to each invoice of a Batch Splitter batch',
				`Map ${INVOICE_FIELDS[field]} to a field ({{ $json.someField }}), or rename the fields before the Batch Splitter`,
			);
		}
		let problem: string | undefined;
		try {
			return this.fns.getNodeParameter(`invoiceFields.${field}`, itemIndex);
		} catch (error) {
			problem = (error as Error).message;
		}
		// Thrown outside the catch: callers turn ItemInputError into n8n's NodeOperationError or a Failed item.
		throw new ItemInputError(itemIndex, INVOICE_FIELDS[field], `could not be evaluated: ${problem}`, `Check the expression of ${INVOICE_FIELDS[field]} under Invoice Fields`);
	}
}

/**
 * An exact decimal amount: the number whose shortest text is the decimal given (so JSON, form and
 * XML bodies carry exactly that decimal), or a refusal naming the field and the item. Never
 * Infinity (400 digits), never rounded (17 significant digits), never more decimals than allowed.
 */
export function exactDecimal(raw: unknown, itemIndex: number, label: string, maxDecimals?: { places: number; currency: string }): number {
	const fail = (problem: string, description: string) => new ItemInputError(itemIndex, label, problem, description);
	let text: string;
	if (typeof raw === 'number') {
		if (!Number.isFinite(raw)) throw fail(`must be a finite number, got ${String(raw)}`, 'Send the amount as a decimal number like 1250.50');
		text = String(raw);
	} else if (typeof raw === 'string') {
		text = raw.trim();
	} else {
		throw fail(
			`must be a number, got ${raw === undefined || raw === null ? 'nothing' : JSON.stringify(raw).slice(0, 40)}`,
			`Map ${label.replace(/ \(.*\)$/, '')} to the field that holds it, as a number like 1250.50`,
		);
	}
	if (/^[+-]?\d+,\d+$/.test(text)) {
		throw fail(`must be a number with a dot as decimal separator (like 12.50), got "${text}"`, 'Replace the decimal comma with a dot before posting');
	}
	const match = DECIMAL.exec(text);
	if (!match) {
		throw fail(
			`must be a decimal number, got ${text === '' ? 'nothing' : `"${text.slice(0, 40)}${text.length > 40 ? '…' : ''}"`}`,
			'Use digits with an optional dot, like 1250.50 (no exponent, no thousands separator)',
		);
	}
	const integer = match[1].replace(/^0+(?=\d)/, '');
	const fraction = (match[2] ?? '').replace(/0+$/, '');
	if (maxDecimals && fraction.length > maxDecimals.places) {
		throw fail(
			`has ${fraction.length} decimal${fraction.length === 1 ? '' : 's'} (${text}); ${maxDecimals.currency} allows ${maxDecimals.places}`,
			`Round the amount to ${maxDecimals.places} decimals before posting: posting it rounded would change the invoice`,
		);
	}
	const significant = `${integer}${fraction}`.replace(/^0+/, '').length;
	if (significant > MAX_SIGNIFICANT_DIGITS) {
		throw fail(
			`has ${significant} significant digits (${text.slice(0, 40)}${text.length > 40 ? '…' : ''}); at most ${MAX_SIGNIFICANT_DIGITS} can be sent exactly`,
			'Check the value: no invoice amount needs that many digits, and a rounded one would not be the invoice',
		);
	}
	return Number(`${match[0].startsWith('-') ? '-' : ''}${integer}${fraction ? `.${fraction}` : ''}`);
}

/**
 * The canonical invoice from an item's JSON, validated: every problem names the item and the
 * field, so that the item leaves by Failed with a reason a person can act on.
 */
export function toCanonicalInvoice(
	json: IDataObject,
	itemIndex: number,
	requiredFields: Party[] = [],
	mapping: InvoiceMapping = InvoiceMapping.defaults,
	inBatch = false,
): CanonicalInvoice {
	const fail = (label: string, problem: string, description?: string) => new ItemInputError(itemIndex, label, problem, description);
	const read = (field: InvoiceField) => mapping.value(field, json, itemIndex, inBatch);

	const text = (field: InvoiceField, required: boolean, max = MAX_TEXT): string | undefined => {
		const value = read(field);
		const label = mapping.label(field);
		if (value === undefined || value === null || value === '') {
			if (required) throw fail(label, 'is missing', `Map ${INVOICE_FIELDS[field]} (under Invoice Fields) to the item's field that holds it`);
			return undefined;
		}
		if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
			throw fail(label, `must be text, got ${Array.isArray(value) ? 'a list' : typeof value}`);
		}
		const trimmed = String(value).trim();
		if (required && trimmed === '') throw fail(label, 'is empty');
		if (trimmed.length > max) throw fail(label, `is ${trimmed.length} characters long; at most ${max} are accepted`);
		return trimmed === '' ? undefined : trimmed;
	};
	const date = (field: InvoiceField, required: boolean): string | undefined => {
		const value = text(field, required);
		if (value === undefined) return undefined;
		const parsed = DateTime.fromISO(value, { setZone: true });
		if (!parsed.isValid) throw fail(mapping.label(field), `must be a date like 2026-11-24, got "${value}"`, 'Format the date as YYYY-MM-DD (ISO 8601)');
		return parsed.toISODate() ?? value;
	};

	const currency = (text('currency', true) ?? '').toUpperCase();
	if (!/^[A-Z]{3}$/.test(currency)) {
		throw fail(mapping.label('currency'), `must be a three-letter ISO code like EUR, got "${String(read('currency'))}"`, 'Use the ISO 4217 code of the currency');
	}
	const invoice: CanonicalInvoice = {
		invoiceNumber: text('invoiceNumber', true)!,
		invoiceDate: date('invoiceDate', true)!,
		currency,
		amount: exactDecimal(read('amount'), itemIndex, mapping.label('amount'), { places: minorUnitsOf(currency), currency }),
	};

	// The ERP's own reference field of the item, when it has one (the Reference parameter decides what is sent).
	const externalReference = json.externalReference;
	if (typeof externalReference === 'string' || typeof externalReference === 'number') {
		const value = String(externalReference).trim();
		if (value.length > MAX_TEXT) throw fail('externalReference', `is ${value.length} characters long; at most ${MAX_TEXT} are accepted`);
		if (value !== '') invoice.externalReference = value;
	}
	const optional: Array<InvoiceField & keyof CanonicalInvoice> = ['customerId', 'vendorAccount', 'contactUrl', 'customerName', 'transactionId'];
	for (const field of optional) {
		const value = text(field, requiredFields.includes(field as Party));
		if (value !== undefined) (invoice as unknown as IDataObject)[field] = value;
	}
	const dueDate = date('dueDate', false);
	if (dueDate) invoice.dueDate = dueDate;

	const lines = read('lines');
	if (lines !== undefined && lines !== null) {
		const label = mapping.label('lines');
		if (!Array.isArray(lines)) throw fail(label, 'must be a list', 'Map Lines to a list of {description, quantity, unitPrice, taxCode?}');
		invoice.lines = lines.map((line, index): InvoiceLine => {
			const field = `lines[${index}]`;
			if (!line || typeof line !== 'object' || Array.isArray(line)) throw fail(field, 'must be an object');
			const entry = line as IDataObject;
			const description = entry.description;
			if (typeof description !== 'string' || description.trim() === '') throw fail(`${field}.description`, 'is missing');
			if (description.length > MAX_DESCRIPTION) {
				throw fail(`${field}.description`, `is ${description.length} characters long; at most ${MAX_DESCRIPTION} are accepted`);
			}
			const parsed: InvoiceLine = {
				description,
				quantity: exactDecimal(entry.quantity ?? 1, itemIndex, `${field}.quantity`),
				unitPrice: exactDecimal(entry.unitPrice, itemIndex, `${field}.unitPrice`),
			};
			if (entry.taxCode !== undefined && entry.taxCode !== null && entry.taxCode !== '') parsed.taxCode = String(entry.taxCode);
			return parsed;
		});
	}
	const erpFields = read('erpFields');
	if (erpFields !== undefined && erpFields !== null) {
		if (typeof erpFields !== 'object' || Array.isArray(erpFields)) throw fail(mapping.label('erpFields'), 'must be an object');
		const depth = nestingDepth(erpFields, MAX_ERP_FIELDS_DEPTH);
		if (depth > MAX_ERP_FIELDS_DEPTH) throw fail(mapping.label('erpFields'), `is nested more than ${MAX_ERP_FIELDS_DEPTH} levels deep; no ERP body needs that`);
		const bytes = Buffer.byteLength(JSON.stringify(erpFields));
		if (bytes > MAX_INVOICE_BYTES) throw fail(mapping.label('erpFields'), `is ${Math.round(bytes / 1024)} KB; at most ${MAX_INVOICE_BYTES / 1024} KB are accepted`);
		invoice.erpFields = erpFields as IDataObject;
	}
	// Checked last, so that an oversized field the checks above know (a line's description) is named itself.
	const size = Buffer.byteLength(JSON.stringify(invoice));
	if (size > MAX_INVOICE_BYTES) throw fail('invoice', `is ${Math.round(size / 1024)} KB; at most ${MAX_INVOICE_BYTES / 1024} KB are accepted`);
	return invoice;
}
