import { StaticDataLedgerStore } from '../../nodes/shared/ledger/staticData/store';
import { ledgerTable } from '../../nodes/shared/ledger/staticData/registry';
import { describeLedgerStoreConformance } from './store-conformance';

let serial = 0;
describeLedgerStoreConformance('StaticDataLedgerStore', async () => {
	serial += 1;
	const store = new StaticDataLedgerStore(ledgerTable(`wf-conformance-${serial}`, 'invoices'), {}, 'invoices');
	return { store, cleanup: async () => {} };
});
