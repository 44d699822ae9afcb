import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { runWorkflow } from '../helpers/n8n-harness';
import { inforBatchWorkflow, inforCredentials, invoices, routed } from './helpers';

describe('seed 000: a batch of 100 invoices to Infor 500s at invoice 37', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['infor'], seed: 37 });
	});
	afterAll(async () => await sandbox.stop());
	beforeEach(() => {
		clearRegistry();
		sandbox.reset();
	});

	it('posts every invoice exactly once, and a re-run posts nothing new', async () => {
		// Batches of 15: invoice 37 is the 7th of the third batch call.
		sandbox.setFaults('infor', { schedule: [{ write: 3, fault: 'failMidBatch' }], failMidBatchAt: 6, failMidBatchMode: 'partial500' });
		const input = invoices(100);
		const credentials = inforCredentials(sandbox);
		const first = await runWorkflow({ workflow: inforBatchWorkflow(), input, credentials });
		expect(first.error).toBeUndefined();
		const out = routed(first);
		expect(out.failed.map((item) => (item.json.idempotency as IDataObject).error)).toEqual([]);
		expect(out.posted.length + out.existed.length).toBe(100);

		const truth = sandbox.truth('infor');
		expect(truth.invoices).toHaveLength(100);
		expect(truth.duplicates).toEqual([]);
		expect(Object.keys(truth.countByReference).sort()).toEqual(input.map((invoice) => invoice.externalReference).sort());
		// The 500 really happened and left a partial batch behind.
		expect(sandbox.requestLog('infor').some((entry) => entry.status === 500)).toBe(true);

		// The user runs the workflow again, with the ledger from the first run.
		sandbox.setFaults('infor', {});
		const second = await runWorkflow({ workflow: inforBatchWorkflow(), input, credentials, staticData: first.staticData });
		const again = routed(second);
		expect(again.posted).toHaveLength(0);
		expect(again.existed).toHaveLength(100);
		expect(sandbox.truth('infor').invoices).toHaveLength(100);
	});
});
