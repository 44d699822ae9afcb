import type { INodeProperties } from 'n8n-workflow';

export const ERPLY_DEFAULT_DOCUMENT_TYPE = 'INVWAYBILL';

export const erplySettingsProperties: INodeProperties[] = [
	{
		displayName: 'Erply Settings',
		name: 'erplySettings',
		type: 'collection',
		placeholder: 'Add Setting',
		default: {},
		displayOptions: { show: { erp: ['erply'] } },
		options: [
			{
				displayName: 'Default Product ID',
				name: 'defaultProductId',
				type: 'string',
				default: '',
				description:
					'Erply productID for every invoice row; when empty, rows are free-text rows named by the line description',
			},
			{
				displayName: 'Default VAT Rate ID',
				name: 'defaultVatrateId',
				type: 'string',
				default: '',
				description: "Erply vatrateID for rows whose line has no taxCode",
			},
			{
				displayName: 'Document Type',
				name: 'documentType',
				type: 'string',
				default: ERPLY_DEFAULT_DOCUMENT_TYPE,
				description: 'Erply sales document type (e.g. INVWAYBILL, CASHINVOICE, INVOICE)',
			},
			{
				displayName: 'Warehouse ID',
				name: 'warehouseId',
				type: 'string',
				default: '',
				description: 'Erply warehouseID (location) of the document, when the account needs one',
			},
		],
	},
];
