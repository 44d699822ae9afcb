import type { IDataObject } from 'n8n-workflow';
import { addErpFields, type WithErpFields } from '../erpFields';
import type { CanonicalInvoice } from '../types';
import type { DataverseSettings } from './settings';

/**
 * The canonical invoice as a Dataverse record, in the configured columns; `erpFields` may add columns
 * (e.g. `x@odata.bind` lookups), never replace one, nor the primary key or the alternate-key columns.
 */
export function dataverseRecord(invoice: CanonicalInvoice, reference: string, settings: DataverseSettings): WithErpFields<IDataObject> {
	const record: IDataObject = {
		[settings.vendorAccountField]: vendorAccountOf(invoice),
		[settings.invoiceNumberField]: invoice.invoiceNumber,
		[settings.referenceField]: reference,
		[settings.dateField]: invoice.invoiceDate,
		[settings.amountField]: invoice.amount,
	};
	if (settings.currencyField) record[settings.currencyField] = invoice.currency;
	if (settings.dueDateField && invoice.dueDate) record[settings.dueDateField] = invoice.dueDate;
	const annotations = Object.keys(invoice.erpFields ?? {}).filter((name) => name.startsWith('@'));
	const protocol = [settings.idField, settings.referenceField, settings.vendorAccountField, settings.invoiceNumberField, ...annotations];
	return addErpFields(record, invoice.erpFields, 'Dynamics 365', protocol);
}

/** Vendor invoices name the vendor; the canonical model's customer id stands in when no vendor is given. */
export function vendorAccountOf(invoice: CanonicalInvoice): string {
	return String(invoice.vendorAccount ?? invoice.customerId ?? '');
}
