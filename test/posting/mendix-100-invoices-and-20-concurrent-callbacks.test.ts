import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { MENDIX_SERVICE_PATH } from '../../sandbox/erps/mendix/simulator';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { sandboxCredentialData } from '../../e2e/demo/templates';
import { chain, node, runWorkflow, TestCredentialsHelper, type RunResult, type WorkflowJson } from '../helpers/n8n-harness';
import { expectEachInvoiceLeftOnce, expectSettledOnce, failureReasons, invoices, postWorkflow, routed } from './helpers';

/** The simulator's demo password: it must never show up in what a run outputs. */
const PASSWORD = 'demo-mendix-password';

function mendixCredentials(sandbox: Sandbox): TestCredentialsHelper {
	return new TestCredentialsHelper({ mendixApi: sandboxCredentialData('mendixApi', sandbox) as ICredentialDataDecryptedObject });
}

/** The robot's invoices: Mendix's unique key is the canonical invoice's transactionId. */
function robotInvoices(count: number, prefix = 'INV'): IDataObject[] {
	return invoices(count, prefix).map((invoice, i) => ({ ...invoice, transactionId: `RPA-TX-${prefix}-${String(i + 1).padStart(4, '0')}` }));
}

const info = (item: INodeExecutionData) => item.json.idempotency as IDataObject;
const MENDIX_CRED = { mendixApi: { id: 'cred-mendix', name: 'Mendix sandbox' } };

/**
 * The seed 002 receiver as the template wires it: Dedupe Check (waits for an in-flight delivery) →
 * Post → Mark Posted storing the answer every retry must get; Duplicate goes to a reply node.
 */
function callbackWorkflow(): WorkflowJson {
	const byTransaction = { idempotencyKey: '={{ $json.transactionId }}', reference: '={{ $json.transactionId }}' };
	const workflow = chain([
		node('Seen', 'dedupeCheck', { operation: 'checkAndReserve', ...byTransaction, options: { waitForInFlightSeconds: 30 } }),
		node('Post', 'idempotentInvoicePost', { erp: 'mendix', ...byTransaction, options: { requestTimeoutMs: 10_000, initialDelayMs: 20, maxDelayMs: 200 } }, MENDIX_CRED),
		node('Remember', 'dedupeCheck', {
			operation: 'markPosted',
			...byTransaction,
			erpId: '={{ $json.idempotency.erpId }}',
			response: '={{ { status: "success", invoiceId: $json.idempotency.erpId, message: "Invoice " + $json.invoiceNumber + " is registered" } }}',
		}),
	]);
	workflow.nodes.push({ id: 'replay', name: 'Replay', type: 'test.noOp', typeVersion: 1, position: [400, 200], parameters: {} });
	const to = (name: string) => ({ node: name, type: NodeConnectionTypes.Main, index: 0 });
	// New → Post; Duplicate → Replay. Posted and Already Existed both → Remember.
	workflow.connections.Seen = { main: [[to('Post')], [to('Replay')], [], []] };
	workflow.connections.Post = { main: [[to('Remember')], [to('Remember')], []] };
	return workflow;
}

/** The body this execution would answer the robot with: its own stored answer, or the replayed one. */
function answerOf(run: RunResult): IDataObject | undefined {
	const item = run.outputs('Remember')[0]?.[0] ?? run.outputs('Replay')[0]?.[0];
	return item ? (info(item).response as IDataObject | undefined) : undefined;
}

describe('seed 002: an RPA robot and invoices to a Mendix REST service', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['mendix'], seed: 2 });
	});
	afterAll(async () => await sandbox.stop());
	beforeEach(() => {
		clearRegistry();
		sandbox.reset();
		sandbox.setFaults('mendix', {});
	});

	it('posts 100 invoices once each through timeouts, 500s and throttling, leaves none silently missing, and a re-run settles any Failed', async () => {
		// No session or token expiry here: the service uses HTTP Basic auth, sent whole on every request.
		sandbox.setFaults('mendix', {
			commitThenTimeout: 0.06,
			commitThenTimeoutMode: 'reset',
			failBeforeCommit: 0.06,
			throttle: 0.06,
			retryAfterSeconds: 0,
		});
		const input = robotInvoices(100);
		const credentials = mendixCredentials(sandbox);
		const workflow = postWorkflow('mendix', 'mendixApi', { maxAttempts: 6 });
		const first = await runWorkflow({ workflow, input, credentials });
		expectEachInvoiceLeftOnce(first, input);

		// Each seeded fault really fired: 429, the microflow's 500 before the commit, a reset after it.
		const writes = sandbox.requestLog('mendix').filter((entry) => entry.method === 'POST');
		expect(writes.some((entry) => entry.status === 429)).toBe(true);
		expect(writes.some((entry) => entry.status === 500)).toBe(true);
		expect(writes.some((entry) => entry.status === 201 && entry.delivery === 'reset')).toBe(true);

		sandbox.setFaults('mendix', {});
		const second = await runWorkflow({ workflow, input, credentials, staticData: first.staticData });
		const truth = sandbox.truth('mendix');
		expect(truth.invoices).toHaveLength(100);
		expectSettledOnce(second, truth, input.map((invoice) => invoice.transactionId));
		expect(JSON.stringify([first.run, second.run])).not.toContain(PASSWORD);
	});

	it('20 concurrent deliveries of one callback: one invoice, and all 20 get the same answer', async () => {
		// The microflow spends 300 ms between its check and its commit: the other 19 arrive meanwhile.
		sandbox.setFaults('mendix', { options: { processingMs: 300 } });
		const [callback] = robotInvoices(1, 'ROBOT');
		const credentials = mendixCredentials(sandbox);
		const workflow = callbackWorkflow();
		const snapshot: IDataObject = {}; // each execution loads its own copy of the same static data
		const runs = await Promise.all(
			Array.from({ length: 20 }, () => runWorkflow({ workflow, input: [callback], credentials, staticData: snapshot, mode: 'webhook' })),
		);
		expect(runs.map((run) => run.error)).toEqual(Array(20).fill(undefined));
		const truth = sandbox.truth('mendix');
		expect(truth.invoices).toHaveLength(1);
		expect(truth.countByReference).toEqual({ [String(callback.transactionId)]: 1 });
		expect(sandbox.requestLog('mendix').filter((entry) => entry.method === 'POST')).toHaveLength(1);

		// One execution posted; the other 19 waited for it and left by Duplicate with its stored answer.
		expect(runs.filter((run) => run.outputs('Remember')[0]?.length === 1)).toHaveLength(1);
		const replays = runs.flatMap((run) => run.outputs('Replay')[0] ?? []);
		expect(replays.map((item) => [info(item).outcome, info(item).state])).toEqual(Array(19).fill(['duplicate', 'POSTED']));
		const expected = { status: 'success', invoiceId: truth.invoices[0].id, message: `Invoice ${String(callback.invoiceNumber)} is registered` };
		for (const run of runs) expect(answerOf(run)).toEqual(expected);
	});

	it('the naive receiver (20 concurrent creates straight to the service) gets differing answers for one invoice', async () => {
		// The simulator's unique constraint on transactionId stops a second invoice in both modes
		// ('checkFirst' and 'constraintOnly'), so the naive failure to show is the answers: the robot
		// gets a 500 for an invoice that was created, and another body than the one that created it.
		// The sandbox holds the 20 until all arrived: they overlap inside the service on a busy machine too.
		sandbox.setFaults('mendix', { options: { processingMs: 50 } });
		sandbox.gather('mendix', 20);
		const { baseUrl, username, password } = sandboxCredentialData('mendixApi', sandbox) as { baseUrl: string; username: string; password: string };
		const authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
		const [callback] = robotInvoices(1, 'NAIVE');
		const answers = await Promise.all(
			Array.from({ length: 20 }, async () => {
				const response = await fetch(`${baseUrl}${MENDIX_SERVICE_PATH}`, {
					method: 'POST',
					headers: { Authorization: authorization, 'Content-Type': 'application/json' },
					body: JSON.stringify({ invoiceNumber: callback.invoiceNumber, transactionId: callback.transactionId, amount: callback.amount }),
				});
				return { status: response.status, body: (await response.json()) as unknown };
			}),
		);
		expect(sandbox.truth('mendix').invoices).toHaveLength(1);
		expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
		expect(answers.some((answer) => answer.status >= 500)).toBe(true);
		expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBeGreaterThan(1);
	});

	it("a transactionId with ', &, #, spaces and non-ASCII round-trips through create and Verify By Reference", async () => {
		const reference = "O'Brien & Co #7 Zürich – Ærø";
		const [invoice] = robotInvoices(1, 'SPECIAL');
		const input = [{ ...invoice, transactionId: reference, externalReference: reference }];
		const credentials = mendixCredentials(sandbox);
		const posted = routed(await runWorkflow({ workflow: postWorkflow('mendix', 'mendixApi'), input, credentials }));
		expect(failureReasons(posted.failed)).toEqual([]);
		expect(posted.posted).toHaveLength(1);
		expect(sandbox.truth('mendix').countByReference).toEqual({ [reference]: 1 });

		const verify = chain([node('Verify', 'verifyByReference', { erp: 'mendix', operation: 'verify', options: { updateLedger: false } }, MENDIX_CRED)]);
		const [found = [], notFound = []] = (await runWorkflow({ workflow: verify, input, credentials })).outputs('Verify');
		expect(notFound).toHaveLength(0);
		expect(found).toHaveLength(1);
		expect(info(found[0]).erpId).toBe(info(posted.posted[0]).erpId);
		expect(info(found[0]).erpId).toBe(sandbox.truth('mendix').invoices[0].id);
	});
});
