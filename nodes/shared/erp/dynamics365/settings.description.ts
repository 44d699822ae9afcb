import type { INodeProperties } from 'n8n-workflow';
import { DATAVERSE_DEFAULTS } from './settings';

const textSetting = (displayName: string, name: keyof typeof DATAVERSE_DEFAULTS, description: string): INodeProperties => ({
	displayName,
	name,
	type: 'string',
	default: DATAVERSE_DEFAULTS[name] as string,
	description,
});

export const dynamics365SettingsProperties: INodeProperties[] = [
	{
		displayName: 'Dynamics 365 Settings',
		name: 'dynamics365Settings',
		type: 'collection',
		placeholder: 'Add Setting',
		default: {},
		displayOptions: { show: { erp: ['dynamics365'] } },
		options: [
			textSetting('Amount Field', 'amountField', 'Column that receives the invoice amount'),
			textSetting('API Path', 'apiPath', 'Web API path below the environment URL (Finance & Operations uses /data)'),
			textSetting('Currency Field', 'currencyField', 'Column that receives the currency code; empty to send none (e.g. when the currency is a lookup set through ERP fields)'),
			textSetting('Date Field', 'dateField', 'Column holding the invoice date; also used to list a date range for reconciliation'),
			textSetting('Due Date Field', 'dueDateField', 'Column that receives the due date; empty to send none'),
			{
				displayName: 'Duplicate Detection Key Exists',
				name: 'duplicateDetection',
				type: 'boolean',
				default: DATAVERSE_DEFAULTS.duplicateDetection,
				description:
					'Whether to apply the table\'s duplicate-detection rules to each create (Dataverse skips them on Web API creates otherwise). A duplicate answer then counts as "exists" and is verified by lookup. It does not replace the lookup before posting: Dataverse ships no duplicate rule for an invoice table and a rule can match another record — only Use Alternate Key makes the table itself refuse a second invoice.',
			},
			textSetting('Entity Set', 'entitySet', 'Entity set name of the invoice table in the Web API'),
			textSetting('ID Field', 'idField', 'Primary key column of the table (its GUID), read back after a create or a lookup'),
			textSetting('Invoice Number Field', 'invoiceNumberField', 'Column that receives the invoice number (part of the alternate key)'),
			textSetting('Reference Field', 'referenceField', 'Column that receives the external reference used to find an invoice again'),
			{
				displayName: 'Use Alternate Key',
				name: 'useAlternateKey',
				type: 'boolean',
				default: DATAVERSE_DEFAULTS.useAlternateKey,
				description:
					'Whether the table has an alternate key on vendor account + invoice number. Creates then use a conditional upsert (PATCH with If-None-Match: *) that Dataverse refuses with 412 when the invoice exists: duplicates become impossible without any lookup. Without it, new invoices are looked up by reference (20 per call) before they are posted.',
			},
			textSetting('Vendor Account Field', 'vendorAccountField', 'Column that receives the vendor account (part of the alternate key)'),
		],
	},
];
