import type { CanonicalInvoice, FoundInvoice } from '../erp/types';

/** One field on which a record the ERP holds differs from the invoice. */
export interface FieldMismatch {
	field: 'invoiceNumber' | 'amount' | 'invoiceDate' | 'currency' | 'party';
	ours: string;
	theirs: string;
}

/**
 * Whether a record found by reference is this invoice: references are often reused order or PO
 * numbers, so two invoices can share one. Only what the ERP returned is compared (an absent field
 * proves nothing either way); a record that differs on any returned field is someone else's.
 */
export function mismatchesOf(invoice: CanonicalInvoice, found: FoundInvoice, ourParty?: string): FieldMismatch[] {
	const out: FieldMismatch[] = [];
	const text = (value: unknown) => (value === undefined || value === null ? undefined : String(value).trim());
	const compare = (field: FieldMismatch['field'], ours: unknown, theirs: unknown, same: (a: string, b: string) => boolean) => {
		const a = text(ours);
		const b = text(theirs);
		if (a === undefined || a === '' || b === undefined || b === '') return;
		if (!same(a, b)) out.push({ field, ours: a, theirs: b });
	};
	const caseless = (a: string, b: string) => a.toUpperCase() === b.toUpperCase();
	compare('invoiceNumber', invoice.invoiceNumber, found.invoiceNumber, caseless);
	// Money: equal to the cent (an ERP may return 100 for 100.00, or a float's last digit).
	compare('amount', invoice.amount, found.amount, (a, b) => Number.isFinite(Number(a)) && Math.abs(Number(a) - Number(b)) < 0.005);
	// Dates: the day only (an ERP may return a timestamp at midnight).
	compare('invoiceDate', invoice.invoiceDate, found.invoiceDate, (a, b) => a.slice(0, 10) === b.slice(0, 10));
	compare('currency', invoice.currency, found.currency, caseless);
	// The party as the ERP holds it (the adapter's partyOf): the canonical fields name it differently per ERP.
	compare('party', ourParty, found.party, (a, b) => a === b);
	return out;
}

export function describeMismatches(mismatches: FieldMismatch[]): string {
	return mismatches.map(({ field, ours, theirs }) => `${field} ours "${ours}" vs theirs "${theirs}"`).join(', ');
}
