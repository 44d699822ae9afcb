import { DateTime } from 'luxon';
import type { IDataObject } from 'n8n-workflow';

import { addErpFields, type WithErpFields } from '../erpFields';
import type { PostAttempt } from '../types';
import { ERPLY_DEFAULT_DOCUMENT_TYPE } from './settings.description';
import { temporaryUuidFor } from './uuid';

function dateOnly(value: string): string {
	const match = /^\d{4}-\d{2}-\d{2}/.exec(value.trim());
	return match ? match[0] : value;
}

function setting(settings: IDataObject, name: string): string | undefined {
	const value = settings[name];
	return value === undefined || value === null || value === '' ? undefined : String(value);
}

/** Whole days from the invoice date to the due date (Erply's `paymentDays`), when both are dates. */
function paymentDays(invoiceDate: string, dueDate: string | undefined): string | undefined {
	if (!dueDate) return undefined;
	const from = DateTime.fromISO(dateOnly(invoiceDate), { zone: 'utc' });
	const to = DateTime.fromISO(dateOnly(dueDate), { zone: 'utc' });
	if (!from.isValid || !to.isValid) return undefined;
	const days = Math.round(to.diff(from, 'days').days);
	return days >= 0 ? String(days) : undefined;
}

/**
 * Names that steer Erply's call rather than describe the invoice: `request` picks the API function
 * (an item must never turn a save into `deleteSalesDocument`), `id` turns a create into an edit of an
 * existing document, the session and account travel in the form, the bulk API reads `requests`.
 */
const ERPLY_PROTOCOL_FIELDS = ['request', 'requests', 'id', 'clientCode', 'sessionKey', 'customReferenceNumber', 'temporaryUUID', 'sendContentType', 'responseType', 'version'];

/**
 * The form of `request=saveSalesDocument` (without clientCode/sessionKey, which the call adds).
 * `temporaryUUID` makes Erply itself refuse a second save of the same key (error 1206).
 */
export function toSaveSalesDocumentForm(attempt: PostAttempt, settings: IDataObject): WithErpFields<Record<string, string>> {
	const { invoice } = attempt;
	const productId = setting(settings, 'defaultProductId');
	const vatrateId = setting(settings, 'defaultVatrateId');
	const warehouseId = setting(settings, 'warehouseId');
	const lines = invoice.lines?.length
		? invoice.lines
		: [{ description: invoice.invoiceNumber, quantity: 1, unitPrice: invoice.amount, taxCode: undefined }];
	const form: Record<string, string> = {
		request: 'saveSalesDocument',
		type: setting(settings, 'documentType') ?? ERPLY_DEFAULT_DOCUMENT_TYPE,
		invoiceNo: invoice.invoiceNumber,
		date: dateOnly(invoice.invoiceDate),
		currencyCode: invoice.currency,
	};
	if (invoice.customerId) form.customerID = invoice.customerId;
	if (warehouseId) form.warehouseID = warehouseId;
	const days = paymentDays(invoice.invoiceDate, invoice.dueDate);
	if (days !== undefined) form.paymentDays = days;
	lines.forEach((line, index) => {
		const row = index + 1;
		if (productId) form[`productID${row}`] = productId;
		else form[`itemName${row}`] = line.description;
		form[`amount${row}`] = String(line.quantity);
		form[`price${row}`] = String(line.unitPrice);
		const vat = line.taxCode || vatrateId;
		if (vat) form[`vatrateID${row}`] = vat;
	});
	// What makes the save idempotent and findable.
	form.customReferenceNumber = attempt.reference;
	form.temporaryUUID = temporaryUuidFor(attempt.key);
	const merged = addErpFields(form, invoice.erpFields, 'Erply', ERPLY_PROTOCOL_FIELDS);
	if ('problem' in merged) return merged;
	const sent: Record<string, string> = {};
	for (const [name, value] of Object.entries(merged.body)) {
		if (value === undefined || value === null) continue;
		sent[name] = typeof value === 'object' ? JSON.stringify(value) : String(value);
	}
	return { body: sent };
}
