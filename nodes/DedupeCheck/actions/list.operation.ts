import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { effectiveState, type Ledger } from '../../shared/ledger/ledger';
import type { LedgerState, ListFilter } from '../../shared/ledger/types';
import { idempotencyInfo } from '../../shared/items';

/** The review queue: one item per record matching the filter (runs once, whatever the input). */
export async function execute(this: IExecuteFunctions, _items: INodeExecutionData[], ledger: Ledger): Promise<INodeExecutionData[][]> {
	const records = await ledger.list(readListFilter(this, ledger.now()));
	return [
		records.map((record) => ({
			json: { idempotency: idempotencyInfo(record.key, record, 'listed', { state: effectiveState(record, ledger.now()) }) },
			pairedItem: { item: 0 },
		})),
	];
}

export function readListFilter(fns: IExecuteFunctions, now: number): ListFilter {
	const options = fns.getNodeParameter('options', 0, {}) as { states?: LedgerState[]; olderThanMinutes?: number };
	const filter: ListFilter = {};
	if (options.states && options.states.length > 0) filter.states = options.states;
	if (options.olderThanMinutes) filter.updatedBefore = now - options.olderThanMinutes * 60_000;
	return filter;
}
