import type { IDataObject } from 'n8n-workflow';

import { addErpFields, type WithErpFields } from '../erpFields';
import type { CanonicalInvoice } from '../types';

/** Fields the AR API reads as the record's identity: never taken from erpFields. */
const INFOR_PROTOCOL_FIELDS = ['externalReference', 'id', 'invoiceNumber'];

/** The AR REST v1 invoice body; `erpFields` may add fields, never replace one. */
export function inforInvoiceBody(invoice: CanonicalInvoice, reference: string): WithErpFields<IDataObject> {
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
	return addErpFields(body, invoice.erpFields, 'Infor', INFOR_PROTOCOL_FIELDS);
}
