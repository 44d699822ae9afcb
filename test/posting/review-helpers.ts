import type { IDataObject } from 'n8n-workflow';

import { chain, node, runWorkflow } from '../helpers/n8n-harness';

/** The ledger's records in the given states, read the way a user would: a Dedupe Check `list` run on the saved static data. */
export async function ledgerRecords(staticData: IDataObject, states: string[] = []): Promise<IDataObject[]> {
	const workflow = chain([node('Review', 'dedupeCheck', { operation: 'list', options: states.length > 0 ? { states } : {} })]);
	const run = await runWorkflow({ workflow, input: [{}], staticData });
	return (run.outputs('Review')[0] ?? []).map((item) => item.json.idempotency as IDataObject);
}

