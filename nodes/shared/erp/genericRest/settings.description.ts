import type { INodeProperties } from 'n8n-workflow';

export const GENERIC_DEFAULTS = {
	createPath: '/invoices',
	createMethod: 'POST',
	lookupPath: '/invoices?reference={reference}',
	existsStatuses: '409',
	idPath: 'id',
	referenceField: 'externalReference',
	lookupChunkSize: 20,
	lookupConcurrency: 5,
} as const;

export const genericRestSettingsProperties: INodeProperties[] = [
	{
		displayName: 'Generic REST Settings',
		name: 'genericRestSettings',
		type: 'collection',
		placeholder: 'Add Setting',
		default: {},
		displayOptions: { show: { erp: ['genericRest'] } },
		options: [
			{
				displayName: 'Body Template (JSON)',
				name: 'bodyTemplate',
				type: 'json',
				default: '',
				description:
					'Body to send instead of the canonical invoice. A string value that is exactly {reference}, {key} or {invoice.some.path} is replaced by that value; inside longer strings they are replaced as text. The invoice\'s erpFields may add fields; an item whose erpFields would replace one the body has is refused.',
			},
			{
				displayName: 'Create Method',
				name: 'createMethod',
				type: 'options',
				options: [
					{ name: 'POST', value: 'POST' },
					{ name: 'PUT', value: 'PUT' },
				],
				default: GENERIC_DEFAULTS.createMethod,
			},
			{
				displayName: 'Create Path',
				name: 'createPath',
				type: 'string',
				default: GENERIC_DEFAULTS.createPath,
				description: "Path below the credential's base URL; {reference} is replaced by the URL-encoded reference",
			},
			{
				displayName: 'ERP Rejects Duplicate References',
				name: 'nativeUniqueness',
				type: 'boolean',
				default: false,
				description:
					'Whether the ERP itself refuses a second invoice with the same reference (answering with an "exists" status). When off, references are looked up before the first post.',
			},
			{
				displayName: 'Exists Statuses',
				name: 'existsStatuses',
				type: 'string',
				default: GENERIC_DEFAULTS.existsStatuses,
				description: 'Comma-separated HTTP statuses that mean "this invoice already exists"',
			},
			{
				displayName: 'ID Path',
				name: 'idPath',
				type: 'string',
				default: GENERIC_DEFAULTS.idPath,
				description: 'Dot path of the invoice ID in the create answer and in each looked-up invoice (e.g. data.id)',
			},
			{
				displayName: 'Lookup Items Path',
				name: 'lookupItemsPath',
				type: 'string',
				default: '',
				description:
					'Dot path of the list of invoices in a lookup answer. Empty: the answer itself when it is a list, else its "items", else the answer as one invoice.',
			},
			{
				displayName: 'Lookup Not-Found Statuses',
				name: 'lookupNotFoundStatuses',
				type: 'string',
				default: '',
				description:
					'Comma-separated statuses of a lookup that mean "no invoice with this reference". Empty: 404 when {reference} is in the path (e.g. /invoices/{reference}), none when it is in the query.',
			},
			{
				displayName: 'Lookup Path',
				name: 'lookupPath',
				type: 'string',
				default: GENERIC_DEFAULTS.lookupPath,
				description:
					'Path to find invoices by reference; {reference} is replaced by the URL-encoded reference. When it sits in the path (e.g. /invoices/{reference}), references with / \\ ? # or percent-escapes, and . or .., are refused per item.',
			},
			{
				displayName: 'Reference Field',
				name: 'referenceField',
				type: 'string',
				default: GENERIC_DEFAULTS.referenceField,
				description: 'Field (dot path) that carries the reference in the body sent and in looked-up invoices',
			},
		],
	},
];
