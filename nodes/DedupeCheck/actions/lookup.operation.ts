import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { effectiveState, type Ledger } from '../../shared/ledger/ledger';
import { failItemOrThrow, idempotencyInfo, readIdempotencyKey, withIdempotency } from '../../shared/items';

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], ledger: Ledger): Promise<INodeExecutionData[][]> {
	const out: INodeExecutionData[] = [];
	const keys: Array<string | Error> = items.map((_, itemIndex) => {
		try {
			return readIdempotencyKey(this, itemIndex);
		} catch (error) {
			return error as Error;
		}
	});
	const found = await ledger.getMany(keys.filter((key): key is string => typeof key === 'string'));
	keys.forEach((key, itemIndex) => {
		if (key instanceof Error) {
			out.push(failItemOrThrow(this, items[itemIndex], itemIndex, key));
			return;
		}
		const record = found.get(key);
		const info = record
			? idempotencyInfo(key, record, 'found', { state: effectiveState(record, ledger.now()) })
			: idempotencyInfo(key, undefined, 'notFound');
		out.push(withIdempotency(items[itemIndex], itemIndex, info));
	});
	return [out];
}
