import type { ErpTruth, StoredInvoice } from './types';

/** The ground truth every simulator reports, computed one way for all of them. */
export function summariseTruth(invoices: StoredInvoice[]): ErpTruth {
	const countByReference: Record<string, number> = {};
	for (const invoice of invoices) countByReference[invoice.reference] = (countByReference[invoice.reference] ?? 0) + 1;
	const duplicates = Object.keys(countByReference).filter((reference) => countByReference[reference] > 1);
	return { invoices: invoices.map((invoice) => ({ ...invoice, raw: { ...invoice.raw } })), countByReference, duplicates };
}
