import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { Ledger } from '../../shared/ledger/ledger';
import { readListFilter } from './list.operation';

/** Deletes matching records (default: POSTED and FAILED) and says which. */
export async function execute(this: IExecuteFunctions, _items: INodeExecutionData[], ledger: Ledger): Promise<INodeExecutionData[][]> {
	const purged = await ledger.purge(readListFilter(this, ledger.now()));
	return [[{ json: { purged: purged.length, keys: purged.map((record) => record.key) }, pairedItem: { item: 0 } }]];
}
