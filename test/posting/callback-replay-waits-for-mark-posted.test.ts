import type { IDataObject } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { chain, node, runWorkflow, type WorkflowJson } from '../helpers/n8n-harness';
import { inforCredentials, invoices } from './helpers';

const to = (name: string) => ({ node: name, type: NodeConnectionTypes.Main, index: 0 });

/**
 * The callback template: Dedupe Check → Post → Dedupe Check markPosted (the answer every retry must get).
 * `reachesMarkPosted: false` stops the run between Post's commit and markPosted — the instant the
 * README's "replayed answer" gap was about — by wiring Remember to Post's Failed output only.
 */
function callbackWorkflow(reachesMarkPosted: boolean): WorkflowJson {
	const workflow = chain([
		node('Seen', 'dedupeCheck', { operation: 'checkAndReserve', options: { waitForInFlightSeconds: 0 } }),
		node('Post', 'idempotentInvoicePost', { erp: 'inforIcs', options: { batchSize: 1, initialDelayMs: 20, maxDelayMs: 200, settleSeconds: 0.2 } }, { inforIonApi: { id: 'cred-infor', name: 'Infor' } }),
		node('Remember', 'dedupeCheck', { operation: 'markPosted', erpId: '={{ $json.idempotency.erpId }}', response: '={{ { answer: "the one the robot must get", id: $json.idempotency.erpId } }}' }),
	]);
	workflow.connections.Post = { main: reachesMarkPosted ? [[to('Remember')], [to('Remember')], []] : [[], [], [to('Remember')]] };
	return workflow;
}

const retryWorkflow = () => chain([node('Seen', 'dedupeCheck', { operation: 'checkAndReserve' })]);

describe('Callback template: a retry never gets the Post node’s answer instead of markPosted’s', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['infor'], seed: 7 });
	});
	afterAll(async () => await sandbox.stop());

	it('a retry that reads the ledger between Post’s commit and markPosted leaves by In Progress, without any answer', async () => {
		clearRegistry();
		const input = invoices(1, 'CB');
		const first = await runWorkflow({ workflow: callbackWorkflow(false), input, credentials: inforCredentials(sandbox) });
		expect(first.error).toBeUndefined();
		expect(first.outputs('Post')[0]).toHaveLength(1);

		const retry = await runWorkflow({ workflow: retryWorkflow(), input, staticData: first.staticData });
		const [, duplicate, inProgress] = retry.outputs('Seen');
		expect(duplicate ?? []).toEqual([]);
		expect(inProgress).toHaveLength(1);
		expect((inProgress[0].json.idempotency as IDataObject).response).toBeUndefined();
		expect(sandbox.truth('infor').invoices).toHaveLength(1);
	});

	it('once markPosted ran, a retry gets markPosted’s answer', async () => {
		clearRegistry();
		sandbox.reset();
		const input = invoices(1, 'CC');
		const first = await runWorkflow({ workflow: callbackWorkflow(true), input, credentials: inforCredentials(sandbox) });
		const retry = await runWorkflow({ workflow: retryWorkflow(), input, staticData: first.staticData });
		const [, duplicate] = retry.outputs('Seen');
		expect(duplicate).toHaveLength(1);
		expect(((duplicate[0].json.idempotency as IDataObject).response as IDataObject).answer).toBe('the one the robot must get');
	});

	it('without a markPosted downstream, the Post node’s own answer is the replay at once', async () => {
		clearRegistry();
		sandbox.reset();
		const input = invoices(1, 'CD');
		const workflow = chain([node('Seen', 'dedupeCheck', { operation: 'checkAndReserve' }), node('Post', 'idempotentInvoicePost', { erp: 'inforIcs', options: { batchSize: 1, initialDelayMs: 20, maxDelayMs: 200, settleSeconds: 0.2 } }, { inforIonApi: { id: 'cred-infor', name: 'Infor' } })]);
		const first = await runWorkflow({ workflow, input, credentials: inforCredentials(sandbox) });
		const retry = await runWorkflow({ workflow: retryWorkflow(), input, staticData: first.staticData });
		expect(retry.outputs('Seen')[1]).toHaveLength(1);
	});
});
