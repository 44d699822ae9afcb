import type { IDataObject } from 'n8n-workflow';

import { StaticDataLedgerStore } from '../../nodes/shared/ledger/staticData/store';
import { clearRegistry, ledgerTable } from '../../nodes/shared/ledger/staticData/registry';
import { describeLedgerStoreConformance } from './store-conformance';

let serial = 0;
/** Named ledgers of one suite share a workflow (and its static data): only their names keep them apart. */
const namedWorkflow = { id: 'wf-conformance-named', staticData: {} as IDataObject };

describeLedgerStoreConformance('StaticDataLedgerStore', async (ledgerName) => {
	serial += 1;
	const workflowId = ledgerName === undefined ? `wf-conformance-${serial}` : namedWorkflow.id;
	const staticData = ledgerName === undefined ? ({} as IDataObject) : namedWorkflow.staticData;
	const name = ledgerName ?? 'invoices';
	const store = new StaticDataLedgerStore(ledgerTable(workflowId, name), staticData, name);
	store.load();
	return {
		store,
		cleanup: async () => {},
		// A restart: n8n saved the static data as JSON, the registry is gone, the next execution loads.
		reopen: async () => {
			await store.flush();
			const saved = JSON.parse(JSON.stringify(staticData)) as IDataObject;
			clearRegistry();
			const reopened = new StaticDataLedgerStore(ledgerTable(workflowId, name), saved, name);
			reopened.load();
			return reopened;
		},
	};
});
