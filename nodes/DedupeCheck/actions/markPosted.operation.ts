import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import type { Ledger } from '../../shared/ledger/ledger';
import { idempotencyInfo, mapKeyedItems, newCorrelationId, readReference, withIdempotency } from '../../shared/items';
import { fingerprintOf } from '../../shared/ledger/fingerprint';
import { ANY_FINGERPRINT } from '../../shared/ledger/types';

export const description: INodeProperties[] = [
	{
		displayName: 'ERP ID',
		name: 'erpId',
		type: 'string',
		default: '={{ $json.invoiceId ?? $json.id }}',
		displayOptions: { show: { operation: ['markPosted'] } },
		description: 'The ID the ERP gave the invoice',
	},
	{
		displayName: 'Response',
		name: 'response',
		type: 'json',
		default: '={{ $json }}',
		displayOptions: { show: { operation: ['markPosted'] } },
		description:
			'What a replay returns: every later delivery of this key leaves Dedupe Check by Duplicate carrying it in idempotency.response (e.g. the body your Respond to Webhook sends)',
	},
];

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], ledger: Ledger): Promise<INodeExecutionData[][]> {
	return [
		await mapKeyedItems(this, items, async (key, item, itemIndex) => {
			const erpId = this.getNodeParameter('erpId', itemIndex, '') as unknown;
			const response = parseResponse(this.getNodeParameter('response', itemIndex, {}) as unknown);
			const now = ledger.now();
			const record = await ledger.markPosted(key, {
				erpId: erpId === undefined || erpId === null || erpId === '' ? undefined : String(erpId),
				response,
				// A key marked without a reservation (e.g. imported history) is recorded all the same.
				seed: {
					key,
					fingerprint: explicitFingerprint(this, itemIndex),
					reference: readReference(this, itemIndex, key),
					attempts: 1,
					correlationId: newCorrelationId(),
					firstSeenAt: now,
					updatedAt: now,
				},
			});
			return withIdempotency(item, itemIndex, idempotencyInfo(key, record, 'posted'));
		}),
	];
}

function parseResponse(value: unknown): IDataObject | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	if (typeof value === 'string') {
		try {
			value = JSON.parse(value);
		} catch {
			return { value: value as string };
		}
	}
	if (typeof value !== 'object' || Array.isArray(value)) return { value: value as IDataObject[keyof IDataObject] };
	return value as IDataObject;
}

/** Marking a key nobody reserved: the payload is not known here unless the user says it, so any payload matches. */
function explicitFingerprint(fns: IExecuteFunctions, itemIndex: number): string {
	const value = fns.getNodeParameter('fingerprint', itemIndex, '') as unknown;
	return value === '' || value === undefined || value === null ? ANY_FINGERPRINT : fingerprintOf(value);
}
