import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { chain, node, runWorkflow } from '../helpers/n8n-harness';
import { inforCredentials, invoices, postWorkflow } from './helpers';

describe('Batch Splitter in time-budget mode, after posts to a slow Infor', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['infor'], seed: 9 });
	});
	afterAll(async () => await sandbox.stop());

	it("sizes batches from the ledger's observed latency instead of the estimate, with the same batch ids for the same input", async () => {
		clearRegistry();
		sandbox.setFaults('infor', { latencyMs: 300 });
		const posted = await runWorkflow({ workflow: postWorkflow('inforIcs', 'inforIonApi', { batchSize: 1 }), input: invoices(5), credentials: inforCredentials(sandbox) });
		sandbox.setFaults('infor', {});

		// The estimate (20 s per invoice) alone would put one invoice in each batch.
		const splitter = chain([node('Split', 'batchSplitter', { mode: 'timeBudget', timeBudgetSeconds: 30, secondsPerInvoice: 20, outputFormat: 'batchItems' })]);
		const input = invoices(200, 'NEXT');
		const first = await runWorkflow({ workflow: splitter, input, staticData: posted.staticData });
		const batches = first.outputs('Split')[0].map((item) => item.json);
		const size = (batches[0].invoices as IDataObject[]).length;
		// ≥ 0.3 s per invoice observed: at most 100 in 30 s, and more than the estimate's 1 unless a busy
		// machine made each call take over 15 s (the budget is wide so that the machine's speed is no verdict).
		expect(size).toBeGreaterThan(1);
		expect(size).toBeLessThanOrEqual(100);
		expect(first.hints('Split').map((hint) => hint.message).join(' ')).toContain("the ERP's observed median latency");

		const again = await runWorkflow({ workflow: splitter, input, staticData: first.staticData });
		expect(again.outputs('Split')[0].map((item) => item.json.batchId)).toEqual(batches.map((batch) => batch.batchId));
	});
});
