import type { INodeProperties } from 'n8n-workflow';

export const MENDIX_DEFAULT_SERVICE_PATH = '/rest/invoices/v1';

export const mendixSettingsProperties: INodeProperties[] = [
	{
		displayName: 'Mendix Settings',
		name: 'mendixSettings',
		type: 'collection',
		placeholder: 'Add Setting',
		default: {},
		displayOptions: { show: { erp: ['mendix'] } },
		options: [
			{
				displayName: 'Service Path',
				name: 'servicePath',
				type: 'string',
				default: MENDIX_DEFAULT_SERVICE_PATH,
				description: 'Location of the published REST service below the app URL; invoices are posted to {service path}/invoices',
			},
		],
	},
];
