import type { IDataObject } from 'n8n-workflow';
import type { CanonicalInvoice } from '../types';

/**
 * The service's unique key: the invoice's own `transactionId` (the robot's, seed 002), else the
 * package's reference — deterministic either way, so a retry hits the same unique constraint.
 */
export function transactionIdOf(invoice: CanonicalInvoice | undefined, reference: string): string {
	return invoice?.transactionId && invoice.transactionId !== '' ? invoice.transactionId : reference;
}

/** The canonical invoice as the service's JSON; absent fields are left out. */
export function mendixInvoiceBody(invoice: CanonicalInvoice, reference: string): IDataObject {
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
	return { ...body, ...(invoice.erpFields ?? {}) };
}
