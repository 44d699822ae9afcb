import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { runWorkflow } from '../helpers/n8n-harness';
import { inforCredentials, invoices, postWorkflow, routed } from './helpers';
import { ledgerRecords } from './review-helpers';

describe('Infor: one create in five commits and then times out (40 single posts)', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['infor'], seed: 2 });
	});
	afterAll(async () => await sandbox.stop());

	it('puts every invoice in the ERP once and leaves no UNKNOWN key in the ledger', async () => {
		clearRegistry();
		// A hit create is held until the node gives up (it closes the socket): the timeout always wins,
		// whatever the machine's speed. Each held create costs one request timeout, so they overlap (8 calls
		// at once); the timeout stays long enough that no unheld call on a busy machine reaches it.
		sandbox.setFaults('infor', { commitThenTimeout: 0.2, commitThenTimeoutMode: 'hold' });
		const input = invoices(40);
		const run = await runWorkflow({
			workflow: postWorkflow('inforIcs', 'inforIonApi', { batchSize: 1, requestTimeoutMs: 5000, concurrency: 8, maxAttempts: 6 }),
			input,
			credentials: inforCredentials(sandbox),
		});
		expect(run.error).toBeUndefined();
		const out = routed(run);
		expect(out.failed.map((item) => (item.json.idempotency as IDataObject).error)).toEqual([]);
		expect(out.posted).toHaveLength(40);

		const truth = sandbox.truth('infor');
		expect(truth.invoices).toHaveLength(40);
		expect(truth.duplicates).toEqual([]);
		// The fault really hit: held answers the client never saw.
		const held = sandbox.requestLog('infor').filter((entry) => entry.delivery === 'hold').length;
		expect(held).toBeGreaterThanOrEqual(4);
		// Those invoices were verified by reference, not trusted blindly. (A busy machine may time out an
		// unheld create too: it is verified the same way, so it can only add to the count.)
		const outcomes = out.posted.map((item) => (item.json.idempotency as IDataObject).outcome);
		expect(outcomes.filter((outcome) => outcome === 'createdVerified').length).toBeGreaterThanOrEqual(held);
		expect(outcomes.filter((outcome) => outcome !== 'createdVerified' && outcome !== 'created')).toEqual([]);

		expect(await ledgerRecords(run.staticData, ['UNKNOWN'])).toEqual([]);
		expect((await ledgerRecords(run.staticData, ['POSTED'])).length).toBe(40);
	});
});
