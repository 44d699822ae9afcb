import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../shared/ledger/ledger';
import { idempotencyInfo, mapKeyedItems, withIdempotency } from '../../shared/items';

export const description: INodeProperties[] = [
	{
		displayName: 'Error',
		name: 'error',
		type: 'string',
		default: '={{ $json.error?.message ?? $json.error ?? "" }}',
		displayOptions: { show: { operation: ['markFailed'] } },
		description: 'Why the invoice failed; kept in the ledger and shown in the review list',
	},
	{
		displayName: 'Retryable',
		name: 'retryable',
		type: 'boolean',
		default: false,
		displayOptions: { show: { operation: ['markFailed'] } },
		description:
			'Whether nothing reached the ERP and a later delivery may post again (RETRY); off: a permanent failure that waits for review (FAILED)',
	},
];

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], ledger: Ledger): Promise<INodeExecutionData[][]> {
	return [
		await mapKeyedItems(this, items, async (key, item, itemIndex) => {
			const reason = String(this.getNodeParameter('error', itemIndex, '') ?? '').trim() || 'marked failed';
			const retryable = this.getNodeParameter('retryable', itemIndex, false) as boolean;
			const record = retryable
				? await ledger.markRetry(key, { error: reason, nextAttemptAt: ledger.now(), countAttempt: true })
				: await ledger.markFailed(key, { error: reason, countAttempt: true });
			return withIdempotency(item, itemIndex, idempotencyInfo(key, record, retryable ? 'retry' : 'failed'));
		}),
	];
}
