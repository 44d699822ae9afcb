import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { erpCredentials, erpProperty, erpSettingsProperties } from '../shared/descriptions/erp.description';
import { idempotencyKeyProperty, ledgerProperties, redisCredentialProperty, referenceProperty } from '../shared/descriptions/ledger.description';
import { executeInvoicePost } from '../shared/posting/execute';
import { postingOptionsProperty } from '../shared/posting/options';

export class IdempotentInvoicePost implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Idempotent Invoice Post',
		name: 'idempotentInvoicePost',
		icon: { light: 'file:idempotentInvoicePost.svg', dark: 'file:idempotentInvoicePost.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["erp"] }}',
		description: 'Post each invoice to the ERP exactly once, through timeouts, 5xx mid-batch, throttling and retries',
		defaults: { name: 'Idempotent Invoice Post' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Posted', 'Already Existed', 'Failed'],
		credentials: [...erpCredentials, redisCredentialProperty],
		properties: [
			erpProperty,
			idempotencyKeyProperty,
			referenceProperty,
			...ledgerProperties,
			...erpSettingsProperties,
			postingOptionsProperty,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await executeInvoicePost.call(this);
	}
}
