import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';

import { ERPS } from '../erp/registry';
import type { ErpName } from '../erp/types';
import { INVOICE_FIELDS, type InvoiceField } from '../posting/invoice';

const erpNames = Object.keys(ERPS) as ErpName[];

export const erpProperty: INodeProperties = {
	displayName: 'ERP',
	name: 'erp',
	type: 'options',
	noDataExpression: true,
	default: 'inforIcs',
	options: erpNames.map((erp) => ({ name: ERPS[erp].displayName, value: erp })),
	description: 'The ERP to post to; its credential is shown below',
};

/** One credential per ERP, shown when that ERP is chosen. */
export const erpCredentials: INodeCredentialDescription[] = erpNames.map((erp) => ({
	name: ERPS[erp].adapter.credentialType,
	required: true,
	displayOptions: { show: { erp: [erp] } },
}));

/** Each ERP's `<erp>Settings` collection (shown only for that ERP). */
export const erpSettingsProperties: INodeProperties[] = erpNames.flatMap((erp) => ERPS[erp].settings);

/**
 * The party fields each ERP's invoice uses (what its body carries), and those it cannot do
 * without; the invoice fields every ERP needs are Invoice Number, Invoice Date, Currency, Amount.
 */
const PARTY_FIELDS: Record<ErpName, { fields: InvoiceField[]; required: InvoiceField[] }> = {
	inforIcs: { fields: ['customerId', 'customerName'], required: ['customerId'] },
	dynamics365: { fields: ['vendorAccount', 'customerId', 'customerName'], required: ['vendorAccount'] },
	freeAgent: { fields: ['contactUrl', 'customerId', 'customerName'], required: [] },
	erply: { fields: ['customerId', 'customerName'], required: [] },
	mendix: { fields: ['transactionId', 'customerId', 'customerName'], required: [] },
	genericRest: { fields: ['customerId', 'vendorAccount', 'customerName'], required: [] },
};

const FIELD_HELP: Record<InvoiceField, string> = {
	invoiceNumber: "The invoice's number in your system",
	invoiceDate: 'The invoice date, YYYY-MM-DD',
	dueDate: 'The due date, YYYY-MM-DD (optional)',
	currency: 'ISO 4217 code, e.g. EUR',
	amount: "Total as a decimal number (e.g. 1250.50), no more decimals than the currency has (JPY 0, EUR 2, KWD 3); it is refused rather than rounded",
	customerId: 'The customer (or party) ID in the ERP',
	vendorAccount: 'The vendor account in Dynamics 365 (falls back to Customer ID)',
	contactUrl: 'The FreeAgent contact URL (else built from Customer ID)',
	customerName: 'The customer name (optional)',
	transactionId: "The Mendix service's unique transaction ID (empty: the reference)",
	lines: 'A list of {description, quantity, unitPrice, taxCode?} (optional)',
	erpFields: "An object merged into the ERP's body for what the canonical invoice lacks (optional)",
};

const CORE_FIELDS: InvoiceField[] = ['invoiceNumber', 'invoiceDate', 'currency', 'amount'];
const MORE_FIELDS: InvoiceField[] = ['dueDate', 'lines', 'erpFields'];

/**
 * The canonical invoice, mapped where the post is configured: one field per parameter, each
 * defaulting to today's field name (`{{ $json.invoiceNumber }}` …), so a workflow saved before
 * the parameter existed reads exactly what it read then. Fields the chosen ERP needs are marked.
 */
export const invoiceFieldsProperties: INodeProperties[] = erpNames.map((erp) => {
	const { fields, required } = PARTY_FIELDS[erp];
	const shown = [...CORE_FIELDS, ...fields, ...MORE_FIELDS];
	return {
		displayName: 'Invoice Fields',
		name: 'invoiceFields',
		type: 'collection',
		placeholder: 'Map Field',
		displayOptions: { show: { erp: [erp] } },
		default: Object.fromEntries(shown.map((field) => [field, `={{ $json.${field} }}`])),
		description: `Where each invoice field comes from in the item. Required for ${ERPS[erp].displayName}: ${[...CORE_FIELDS, ...required].map((field) => INVOICE_FIELDS[field]).join(', ')}.`,
		options: shown
			.map((field): INodeProperties => {
				const isRequired = CORE_FIELDS.includes(field) || required.includes(field);
				return {
					displayName: isRequired ? `${INVOICE_FIELDS[field]} (Required)` : INVOICE_FIELDS[field],
					name: field,
					type: 'string',
					default: `={{ $json.${field} }}`,
					description: FIELD_HELP[field],
				};
			})
			.sort((a, b) => a.displayName.localeCompare(b.displayName)),
	};
});
