import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { Ledger } from '../../shared/ledger/ledger';
import { idempotencyInfo, mapKeyedItems, withIdempotency } from '../../shared/items';

/** Forgets a key (not a POSTED one) so that the next delivery is New again. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], ledger: Ledger): Promise<INodeExecutionData[][]> {
	return [
		await mapKeyedItems(this, items, async (key, item, itemIndex) => {
			const released = await ledger.release(key);
			return withIdempotency(item, itemIndex, idempotencyInfo(key, released, released ? 'released' : 'notFound', { state: null }));
		}),
	];
}
