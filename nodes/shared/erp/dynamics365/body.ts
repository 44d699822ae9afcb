import type { IDataObject } from 'n8n-workflow';
import type { CanonicalInvoice } from '../types';
import type { DataverseSettings } from './settings';

/** The canonical invoice as a Dataverse record, in the configured columns; `erpFields` are merged last. */
export function dataverseRecord(invoice: CanonicalInvoice, reference: string, settings: DataverseSettings): IDataObject {
	const record: IDataObject = {
		[settings.vendorAccountField]: vendorAccountOf(invoice),
		[settings.invoiceNumberField]: invoice.invoiceNumber,
		[settings.referenceField]: reference,
		[settings.dateField]: invoice.invoiceDate,
		[settings.amountField]: invoice.amount,
	};
	if (settings.currencyField) record[settings.currencyField] = invoice.currency;
	if (settings.dueDateField && invoice.dueDate) record[settings.dueDateField] = invoice.dueDate;
	return { ...record, ...(invoice.erpFields ?? {}) };
}

/** Vendor invoices name the vendor; the canonical model's customer id stands in when no vendor is given. */
export function vendorAccountOf(invoice: CanonicalInvoice): string {
	return String(invoice.vendorAccount ?? invoice.customerId ?? '');
}
