import type { IDataObject } from 'n8n-workflow';
import { DateTime } from 'luxon';

import type { CanonicalInvoice, InvoiceLine } from '../erp/types';
import { ItemInputError } from '../items';

/** Limits that keep one bad item from hurting the run (a 1 MB description, a runaway payload). */
const MAX_TEXT = 1000;
const MAX_DESCRIPTION = 4000;
const MAX_INVOICE_BYTES = 256 * 1024;
const DECIMAL = /^-?\d+(\.\d+)?$/;

type Party = 'customerId' | 'vendorAccount' | 'contactUrl' | 'transactionId';

/**
 * The canonical invoice from an item's JSON, validated: every problem names the item and the
 * field, so that the item leaves by Failed with a reason a person can act on.
 */
export function toCanonicalInvoice(json: IDataObject, itemIndex: number, requiredFields: Party[] = []): CanonicalInvoice {
	const fail = (field: string, problem: string) => new ItemInputError(itemIndex, field, problem);

	const text = (field: string, required: boolean, max = MAX_TEXT): string | undefined => {
		const value = json[field];
		if (value === undefined || value === null || value === '') {
			if (required) throw fail(field, 'is missing');
			return undefined;
		}
		if (typeof value !== 'string' && !(typeof value === 'number' && Number.isFinite(value))) {
			throw fail(field, `must be text, got ${Array.isArray(value) ? 'a list' : typeof value}`);
		}
		const trimmed = String(value).trim();
		if (required && trimmed === '') throw fail(field, 'is empty');
		if (trimmed.length > max) throw fail(field, `is ${trimmed.length} characters long; at most ${max} are accepted`);
		return trimmed === '' ? undefined : trimmed;
	};
	const date = (field: string, required: boolean): string | undefined => {
		const value = text(field, required);
		if (value === undefined) return undefined;
		const parsed = DateTime.fromISO(value, { setZone: true });
		if (!parsed.isValid) throw fail(field, `must be a date like 2026-11-24, got "${value}"`);
		return parsed.toISODate() ?? value;
	};
	const number = (field: string, raw: unknown): number => {
		if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
		if (typeof raw === 'string' && DECIMAL.test(raw.trim())) return Number(raw.trim());
		if (typeof raw === 'string' && /^-?\d+,\d+$/.test(raw.trim())) {
			throw fail(field, `must be a number with a dot as decimal separator (like 12.50), got "${raw}"`);
		}
		throw fail(field, `must be a number, got ${raw === undefined || raw === null || raw === '' ? 'nothing' : JSON.stringify(raw).slice(0, 40)}`);
	};

	const invoice: CanonicalInvoice = {
		invoiceNumber: text('invoiceNumber', true)!,
		invoiceDate: date('invoiceDate', true)!,
		currency: (text('currency', true) ?? '').toUpperCase(),
		amount: number('amount', json.amount),
	};
	if (!/^[A-Z]{3}$/.test(invoice.currency)) throw fail('currency', `must be a three-letter ISO code like EUR, got "${String(json.currency)}"`);

	const optional: Array<keyof CanonicalInvoice & string> = [
		'externalReference',
		'customerId',
		'vendorAccount',
		'contactUrl',
		'customerName',
		'transactionId',
	];
	for (const field of optional) {
		const value = text(field, requiredFields.includes(field as Party));
		if (value !== undefined) (invoice as unknown as IDataObject)[field] = value;
	}
	const dueDate = date('dueDate', false);
	if (dueDate) invoice.dueDate = dueDate;

	if (json.lines !== undefined && json.lines !== null) {
		if (!Array.isArray(json.lines)) throw fail('lines', 'must be a list');
		invoice.lines = json.lines.map((line, index): InvoiceLine => {
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
				quantity: number(`${field}.quantity`, entry.quantity ?? 1),
				unitPrice: number(`${field}.unitPrice`, entry.unitPrice),
			};
			if (entry.taxCode !== undefined && entry.taxCode !== null && entry.taxCode !== '') parsed.taxCode = String(entry.taxCode);
			return parsed;
		});
	}
	if (json.erpFields !== undefined && json.erpFields !== null) {
		if (typeof json.erpFields !== 'object' || Array.isArray(json.erpFields)) throw fail('erpFields', 'must be an object');
		invoice.erpFields = json.erpFields as IDataObject;
	}
	// Checked last, so that an oversized field the checks above know (a line's description) is named itself.
	const size = Buffer.byteLength(JSON.stringify(invoice));
	if (size > MAX_INVOICE_BYTES) throw fail('invoice', `is ${Math.round(size / 1024)} KB; at most ${MAX_INVOICE_BYTES / 1024} KB are accepted`);
	return invoice;
}
