import type { IDataObject } from 'n8n-workflow';

import type { CanonicalInvoice } from '../types';

/** The AR REST v1 invoice body; `erpFields` are merged last, verbatim. */
export function inforInvoiceBody(invoice: CanonicalInvoice, reference: string): IDataObject {
	const body: IDataObject = {
		invoiceNumber: invoice.invoiceNumber,
		externalReference: reference,
		customerId: invoice.customerId,
		customerName: invoice.customerName,
		invoiceDate: invoice.invoiceDate,
		dueDate: invoice.dueDate,
		currency: invoice.currency,
		amount: invoice.amount,
	};
	if (invoice.lines?.length) {
		body.lines = invoice.lines.map((line) => ({ ...line }) as IDataObject);
	}
	for (const name of Object.keys(body)) {
		if (body[name] === undefined) delete body[name];
	}
	return { ...body, ...(invoice.erpFields ?? {}) };
}
