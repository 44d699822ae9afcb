import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { runWorkflow, TestCredentialsHelper } from '../helpers/n8n-harness';
import { invoices, postWorkflow, routed } from './helpers';

/**
 * A generic REST ERP that honours Idempotency-Key, marked as refusing duplicates itself: a create
 * whose answer timed out is simply sent again with the same key, and the ERP replays its answer.
 */
describe('generic REST ERP: creates commit and then time out, the ERP honours Idempotency-Key', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['generic'], seed: 7 });
	});
	afterAll(async () => await sandbox.stop());
	beforeEach(() => {
		clearRegistry();
		sandbox.reset();
		// A hit create is held until the node's timeout closes the socket: no race between two timers.
		sandbox.setFaults('generic', { commitThenTimeout: 0.3, options: { honourIdempotencyKey: true } });
	});

	const credentials = () => new TestCredentialsHelper({ genericErpApi: { baseUrl: sandbox.urls.generic, authType: 'none' } });
	const workflow = (options: IDataObject) =>
		postWorkflow('genericRest', 'genericErpApi', { requestTimeoutMs: 3000, concurrency: 8, verifyBeforeRetry: false, maxAttempts: 6, ...options }, {
			genericRestSettings: { nativeUniqueness: true, lookupPath: '/invoices/{reference}' },
		});

	it('posts each invoice once: the retried create gets the first answer back', async () => {
		const run = await runWorkflow({ workflow: workflow({}), input: invoices(20), credentials: credentials() });
		const out = routed(run);
		expect(out.failed.map((item) => (item.json.idempotency as IDataObject).error)).toEqual([]);
		expect(out.posted).toHaveLength(20);
		const truth = sandbox.truth('generic');
		expect(truth.invoices).toHaveLength(20);
		expect(truth.duplicates).toEqual([]);
		const held = sandbox.requestLog('generic').filter((entry) => entry.delivery === 'hold').length;
		expect(held).toBeGreaterThan(3);
		// Each posted item names the id the ERP stored for its reference.
		const idByReference = new Map(truth.invoices.map((invoice) => [invoice.reference, invoice.id]));
		for (const item of out.posted) expect((item.json.idempotency as IDataObject).erpId).toBe(idByReference.get(String(item.json.externalReference)));
	});

	it('without the header the same retries create duplicates (the header is what protects)', async () => {
		const run = await runWorkflow({ workflow: workflow({ idempotencyHeader: '' }), input: invoices(20), credentials: credentials() });
		expect(routed(run).posted.length + routed(run).failed.length).toBe(20);
		expect(sandbox.truth('generic').duplicates.length).toBeGreaterThan(3);
	});
});
