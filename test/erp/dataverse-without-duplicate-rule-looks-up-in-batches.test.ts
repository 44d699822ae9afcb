/**
 * Issue: Dataverse ships no duplicate-detection rule for a vendor-invoice table, yet `duplicateDetection`
 * (on by default) made the adapter "natively unique", so nothing was looked up before a first post and
 * a lost ledger meant every invoice posted again. Now a table without an alternate key is looked up
 * before posting, up to 20 references per `$filter` (seed 001: per-invoice GETs were the bottleneck).
 */
import type { IDataObject } from 'n8n-workflow';

import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { startSandbox, type Sandbox } from '../../sandbox';
import { runWorkflow } from '../helpers/n8n-harness';
import { dataverseCredentials, invoices, postWorkflow, routed } from '../posting/helpers';

const vendorInvoices = (count: number): IDataObject[] => invoices(count, 'DV').map((invoice) => ({ ...invoice, vendorAccount: 'V001' }));

describe('Dataverse without a duplicate rule or alternate key (the default install)', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['dataverse'], seed: 15 });
	});
	afterAll(async () => await sandbox.stop());

	it('50 invoices cost 3 lookup calls; after the ledger is lost, a re-run posts none of them again', async () => {
		clearRegistry();
		sandbox.reset();
		// A unique rule on a column the adapter never writes: the table accepts duplicates.
		sandbox.setFaults('dataverse', { options: { uniqueFields: ['new_neversent'] } });
		const input = vendorInvoices(50);
		const workflow = postWorkflow('dynamics365', 'dynamics365Api', { maxAttempts: 3 });

		const first = await runWorkflow({ workflow, input, credentials: dataverseCredentials(sandbox) });
		expect(routed(first).posted).toHaveLength(50);
		const lookups = () => sandbox.requestLog('dataverse').filter((entry) => entry.method === 'GET' && entry.query.$filter !== undefined);
		expect(lookups()).toHaveLength(3);
		for (const entry of lookups()) expect(entry.query.$filter.split(' or ').length).toBeLessThanOrEqual(20);

		// The ledger is gone (Redis restarted empty, static data never saved, a re-imported workflow).
		clearRegistry();
		const before = lookups().length;
		const again = await runWorkflow({ workflow, input, credentials: dataverseCredentials(sandbox), staticData: {} });
		const out = routed(again);
		expect(out.posted).toHaveLength(0);
		expect(out.existed).toHaveLength(50);
		expect(lookups().length - before).toBe(3);

		const truth = sandbox.truth('dataverse');
		expect(truth.invoices).toHaveLength(50);
		expect(truth.duplicates).toEqual([]);
	});
});
