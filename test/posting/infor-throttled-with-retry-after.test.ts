import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { runWorkflow } from '../helpers/n8n-harness';
import { inforCredentials, invoices, postWorkflow, routed } from './helpers';

describe('Infor: the gateway answers 429 with Retry-After', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['infor'], seed: 3 });
	});
	afterAll(async () => await sandbox.stop());

	it('waits at least Retry-After before sending the throttled invoice again, and posts nothing twice', async () => {
		clearRegistry();
		// The 2nd create is throttled; the back-off alone (≤ 50 ms) would retry far sooner than 1 s.
		sandbox.setFaults('infor', { schedule: [{ write: 2, fault: 'throttle' }], retryAfterSeconds: 1 });
		const run = await runWorkflow({
			workflow: postWorkflow('inforIcs', 'inforIonApi', { batchSize: 1, concurrency: 1, initialDelayMs: 10, maxDelayMs: 50 }),
			input: invoices(3),
			credentials: inforCredentials(sandbox),
		});
		expect(routed(run).posted).toHaveLength(3);

		const creates = sandbox.requestLog('infor').filter((entry) => entry.method === 'POST' && entry.path.endsWith('/invoices'));
		const throttled = creates.findIndex((entry) => entry.status === 429);
		expect(throttled).toBeGreaterThanOrEqual(0);
		// The retry is the one create sent after the others: the last one.
		const retry = creates[creates.length - 1];
		expect(creates).toHaveLength(4);
		expect(retry.wallTime - creates[throttled].wallTime).toBeGreaterThanOrEqual(1000);

		const truth = sandbox.truth('infor');
		expect(truth.invoices).toHaveLength(3);
		expect(truth.duplicates).toEqual([]);
	});

	it('holds the invoices not yet sent too: nothing reaches the gateway until Retry-After has passed', async () => {
		clearRegistry();
		sandbox.reset('infor');
		sandbox.setFaults('infor', { schedule: [{ write: 2, fault: 'throttle' }], retryAfterSeconds: 1 });
		const run = await runWorkflow({
			workflow: postWorkflow('inforIcs', 'inforIonApi', { batchSize: 1, concurrency: 2, initialDelayMs: 10, maxDelayMs: 50 }),
			input: invoices(8),
			credentials: inforCredentials(sandbox),
		});
		expect(routed(run).posted).toHaveLength(8);
		const creates = sandbox.requestLog('infor').filter((entry) => entry.method === 'POST' && entry.path.endsWith('/invoices'));
		const throttled = creates.find((entry) => entry.status === 429)!;
		// At most the one create already in flight beside it; no new one starts inside the wait.
		const duringTheWait = creates.filter((entry) => entry.wallTime > throttled.wallTime && entry.wallTime < throttled.wallTime + 1000);
		expect(duringTheWait.length).toBeLessThanOrEqual(1);
		expect(creates.filter((entry) => entry.status === 429)).toHaveLength(1);
		expect(sandbox.truth('infor').invoices).toHaveLength(8);
	});
});
