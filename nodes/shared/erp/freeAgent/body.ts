import type { IDataObject } from 'n8n-workflow';

import { addErpFields, type WithErpFields } from '../erpFields';
import type { PostAttempt } from '../types';
import { FREEAGENT_DEFAULT_ITEM_TYPE, FREEAGENT_DEFAULT_PAYMENT_TERMS_DAYS } from './settings.description';

/**
 * FreeAgent names a contact by its URL. A bare id is turned into that URL on the same API root,
 * so users can pass the id they keep in their own systems.
 */
export function freeAgentContactUrl(
	invoice: PostAttempt['invoice'],
	baseUrl: string,
): string | undefined {
	if (invoice.contactUrl) return invoice.contactUrl;
	const id = invoice.customerId?.trim();
	if (!id) return undefined;
	return /^https?:\/\//i.test(id) ? id : `${baseUrl}/v2/contacts/${encodeURIComponent(id)}`;
}

/** FreeAgent dates are plain `YYYY-MM-DD`; an ISO timestamp keeps its date part. */
function dateOnly(value: string): string {
	const match = /^\d{4}-\d{2}-\d{2}/.exec(value.trim());
	return match ? match[0] : value;
}

/** The body of `POST /v2/invoices`; the attempt's reference is always explicit (seed 003); erpFields only add. */
export function toFreeAgentInvoice(
	attempt: PostAttempt,
	contactUrl: string,
	settings: IDataObject,
): WithErpFields<IDataObject> {
	const { invoice } = attempt;
	const itemType = String(settings.itemType || FREEAGENT_DEFAULT_ITEM_TYPE);
	const paymentTerms = Number(settings.paymentTermsInDays ?? FREEAGENT_DEFAULT_PAYMENT_TERMS_DAYS);
	const lines = invoice.lines?.length
		? invoice.lines
		: [{ description: invoice.invoiceNumber, quantity: 1, unitPrice: invoice.amount }];
	const body: IDataObject = {
		contact: contactUrl,
		dated_on: dateOnly(invoice.invoiceDate),
		...(invoice.dueDate ? { due_on: dateOnly(invoice.dueDate) } : {}),
		payment_terms_in_days: paymentTerms,
		currency: invoice.currency,
		// FreeAgent takes decimals as strings; that keeps 0.1 + 0.2 away from the ledger.
		invoice_items: lines.map((line) => ({
			item_type: itemType,
			quantity: String(line.quantity),
			price: String(line.unitPrice),
			description: line.description,
		})),
		// The reference is what makes the post idempotent (unique per account): nothing may replace it.
		reference: attempt.reference,
	};
	const merged = addErpFields(body, invoice.erpFields, 'FreeAgent', ['url']);
	return 'problem' in merged ? merged : { body: { invoice: merged.body } };
}
