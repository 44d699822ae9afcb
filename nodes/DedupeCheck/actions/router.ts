import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Ledger } from '../../shared/ledger/ledger';
import { openLedger, readLedgerOptions } from '../../shared/ledger/open';
import * as checkAndReserve from './checkAndReserve.operation';
import * as list from './list.operation';
import * as lookup from './lookup.operation';
import * as markFailed from './markFailed.operation';
import * as markPosted from './markPosted.operation';
import * as purge from './purge.operation';
import * as release from './release.operation';

type Operation = (this: IExecuteFunctions, items: INodeExecutionData[], ledger: Ledger) => Promise<INodeExecutionData[][]>;

const operations: Record<string, Operation> = {
	checkAndReserve: checkAndReserve.execute,
	markPosted: markPosted.execute,
	markFailed: markFailed.execute,
	release: release.execute,
	lookup: lookup.execute,
	list: list.execute,
	purge: purge.execute,
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const operation = this.getNodeParameter('operation', 0, 'checkAndReserve') as string;
	const run = operations[operation];
	if (!run) throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`);
	const session = await openLedger(this, readLedgerOptions(this));
	try {
		return await run.call(this, items, session.ledger);
	} finally {
		// Even when an item failed the node: what was reserved must be persisted.
		await session.close();
	}
}
