import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { runWorkflow } from '../helpers/n8n-harness';
import { inforBatchWorkflow, inforCredentials, invoices, routed } from './helpers';

describe('Infor: n8n is killed mid-run after 60 of 100 invoices, its ledger writes lost', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['infor'], seed: 4 });
	});
	afterAll(async () => await sandbox.stop());
	beforeEach(() => sandbox.reset());

	/** Run 1 reaches the ERP with 60 invoices; then, as after kill -9, the process's registry and its static data are gone. */
	async function killedRun(options: IDataObject) {
		clearRegistry();
		const before: IDataObject = {};
		const input = invoices(100);
		await runWorkflow({ workflow: inforBatchWorkflow(options), input: input.slice(0, 60), credentials: inforCredentials(sandbox), staticData: before });
		expect(sandbox.truth('infor').invoices).toHaveLength(60);
		clearRegistry();
		return await runWorkflow({ workflow: inforBatchWorkflow(options), input, credentials: inforCredentials(sandbox), staticData: before });
	}

	it('the re-run finds the 60 by lookup before post and posts only the other 40', async () => {
		const second = await killedRun({});
		const out = routed(second);
		expect(out.failed).toEqual([]);
		expect(out.existed).toHaveLength(60);
		expect(out.posted).toHaveLength(40);
		const truth = sandbox.truth('infor');
		expect(truth.invoices).toHaveLength(100);
		expect(truth.duplicates).toEqual([]);
	});

	it('with Lookup Before Post "never" the same re-run duplicates the 60 (the option matters)', async () => {
		const second = await killedRun({ lookupBeforePost: 'never' });
		expect(routed(second).posted).toHaveLength(100);
		const truth = sandbox.truth('infor');
		expect(truth.invoices).toHaveLength(160);
		expect(truth.duplicates).toHaveLength(60);
	});
});
