import type { IDataObject } from 'n8n-workflow';

/** `count` canonical invoices with distinct keys and references; `run` keeps runs apart in one ERP. */
export function benchInvoices(count: number, run: string, extra: IDataObject = {}): IDataObject[] {
	return Array.from({ length: count }, (_, index) => {
		const number = `${run}-${String(index + 1).padStart(5, '0')}`;
		return {
			idempotencyKey: `ACME-2026-11-24-${number}`,
			externalReference: `REF-${number}`,
			invoiceNumber: number,
			invoiceDate: '2026-11-24',
			dueDate: '2026-12-24',
			currency: 'EUR',
			amount: 100 + index,
			customerId: 'C-100',
			customerName: 'Acme GmbH',
			lines: [{ description: 'Consulting', quantity: 1, unitPrice: 100 + index }],
			...extra,
		};
	});
}
