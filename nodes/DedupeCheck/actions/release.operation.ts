import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { Ledger } from '../../shared/ledger/ledger';
import { failItemOrThrow, idempotencyInfo, readIdempotencyKey, withIdempotency } from '../../shared/items';

/** Forgets a key (not a POSTED one) so that the next delivery is New again. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], ledger: Ledger): Promise<INodeExecutionData[][]> {
	const out: INodeExecutionData[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const item = items[itemIndex];
		let key: string | undefined;
		try {
			key = readIdempotencyKey(this, itemIndex);
			const released = await ledger.release(key);
			out.push(
				withIdempotency(item, itemIndex, idempotencyInfo(key, released, released ? 'released' : 'notFound', { state: null })),
			);
		} catch (error) {
			out.push(failItemOrThrow(this, item, itemIndex, error as Error, key));
		}
	}
	return [out];
}
