import type { INodeProperties } from 'n8n-workflow';

export const INFOR_DEFAULTS = {
	basePath: '/ICS/api/v1',
	maxBatchSize: 100,
	lookupChunkSize: 20,
	lookupConcurrency: 5,
	pageSize: 100,
} as const;

export const inforIcsSettingsProperties: INodeProperties[] = [
	{
		displayName: 'Infor ICS Settings',
		name: 'inforIcsSettings',
		type: 'collection',
		placeholder: 'Add Setting',
		default: {},
		displayOptions: { show: { erp: ['inforIcs'] } },
		options: [
			{
				displayName: 'API Base Path',
				name: 'basePath',
				type: 'string',
				default: INFOR_DEFAULTS.basePath,
				description: "Path of the AR REST API below the tenant's gateway URL ({iu}/{ti})",
			},
			{
				displayName: 'Max Batch Size',
				name: 'maxBatchSize',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: INFOR_DEFAULTS.maxBatchSize,
				description: 'Largest number of invoices sent in one POST /invoices/batch',
			},
			{
				displayName: 'Lookup Concurrency',
				name: 'lookupConcurrency',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: INFOR_DEFAULTS.lookupConcurrency,
				description: 'How many lookups by external reference run at once',
			},
			{
				displayName: 'Page Size',
				name: 'pageSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 500 },
				default: INFOR_DEFAULTS.pageSize,
				description: 'Invoices per page when listing a date range (reconciliation)',
			},
		],
	},
];
