import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_REFERENCE_TAKEN_PATTERN } from './classify';

export const FREEAGENT_DEFAULT_PAYMENT_TERMS_DAYS = 30;
export const FREEAGENT_DEFAULT_ITEM_TYPE = 'Services';
export const FREEAGENT_DEFAULT_USER_AGENT = 'n8n-nodes-idempotent-invoice';

export const freeAgentSettingsProperties: INodeProperties[] = [
	{
		displayName: 'FreeAgent Settings',
		name: 'freeAgentSettings',
		type: 'collection',
		placeholder: 'Add Setting',
		default: {},
		displayOptions: { show: { erp: ['freeAgent'] } },
		options: [
			{
				displayName: 'Item Type',
				name: 'itemType',
				type: 'string',
				default: FREEAGENT_DEFAULT_ITEM_TYPE,
				description:
					'FreeAgent item_type of every invoice line (e.g. Services, Hours, Days, Products)',
			},
			{
				displayName: 'Payment Terms (Days)',
				name: 'paymentTermsInDays',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: FREEAGENT_DEFAULT_PAYMENT_TERMS_DAYS,
				description: 'Sent as payment_terms_in_days on every invoice',
			},
			{
				displayName: 'Reference Taken Pattern',
				name: 'referenceTakenPattern',
				type: 'string',
				default: DEFAULT_REFERENCE_TAKEN_PATTERN,
				description:
					'Regular expression (case-insensitive) that marks a 422 message as "this reference already exists". FreeAgent\'s exact wording is not documented, so it is adjustable.',
			},
			{
				displayName: 'User-Agent',
				name: 'userAgent',
				type: 'string',
				default: FREEAGENT_DEFAULT_USER_AGENT,
				description: 'FreeAgent requires every request to name the calling application',
			},
		],
	},
];
