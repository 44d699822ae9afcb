import type { IDataObject } from 'n8n-workflow';

import { addErpFields, type WithErpFields } from '../erpFields';
import type { CanonicalInvoice } from '../types';

/** The service's unique key and the reference it is found by: never taken from erpFields. */
const MENDIX_PROTOCOL_FIELDS = ['transactionId', 'externalReference', 'invoiceId'];

/**
 * The service's unique key: the invoice's own `transactionId` (the robot's, seed 002), else the
 * package's reference — deterministic either way, so a retry hits the same unique constraint.
 */
export function transactionIdOf(invoice: CanonicalInvoice | undefined, reference: string): string {
	return invoice?.transactionId && invoice.transactionId !== '' ? invoice.transactionId : reference;
}

/** The canonical invoice as the service's JSON; absent fields are left out; erpFields only add. */
export function mendixInvoiceBody(invoice: CanonicalInvoice, reference: string): WithErpFields<IDataObject> {
	const body: IDataObject = {
		invoiceNumber: invoice.invoiceNumber,
		transactionId: transactionIdOf(invoice, reference),
		externalReference: reference,
		amount: invoice.amount,
		currency: invoice.currency,
		invoiceDate: invoice.invoiceDate,
		dueDate: invoice.dueDate,
		customerId: invoice.customerId ?? invoice.vendorAccount,
		customerName: invoice.customerName,
		lines: invoice.lines as IDataObject[] | undefined,
	};
	for (const name of Object.keys(body)) if (body[name] === undefined) delete body[name];
	return addErpFields(body, invoice.erpFields, 'Mendix', MENDIX_PROTOCOL_FIELDS);
}
