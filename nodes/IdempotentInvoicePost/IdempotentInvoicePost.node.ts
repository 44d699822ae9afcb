import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { erpCredentials, erpProperty, erpSettingsProperties, invoiceFieldsProperties } from '../shared/descriptions/erp.description';
import { idempotencyKeyProperty, ledgerProperties, redisCredentialProperty, referenceProperty } from '../shared/descriptions/ledger.description';
import { executeInvoicePost } from '../shared/posting/execute';
import { postingOptionsProperty } from '../shared/posting/options';
import { forAgent } from '../shared/toolMode';

const OUTPUT_NAMES = ['Posted', 'Already Existed', 'Failed'];

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
		outputNames: OUTPUT_NAMES,
		credentials: [...erpCredentials, redisCredentialProperty],
		properties: [
			erpProperty,
			idempotencyKeyProperty,
			referenceProperty,
			...invoiceFieldsProperties,
			...ledgerProperties,
			...erpSettingsProperties,
			postingOptionsProperty,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return forAgent(this, await executeInvoicePost.call(this), OUTPUT_NAMES);
	}
}
