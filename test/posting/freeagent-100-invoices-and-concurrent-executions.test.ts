import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { connectFreeAgent } from '../erp/freeagent-transport';
import { freeAgent, invoiceBody, signIn } from '../sandbox/freeagent-helpers';
import { chain, node, runWorkflow, TestCredentialsHelper } from '../helpers/n8n-harness';
import { expectEachInvoiceLeftOnce, expectSettledOnce, failureReasons, invoices, postWorkflow, routed } from './helpers';

const CLIENT_SECRET = 'sandbox-secret';
// Fast enough for a test: no limit in the way, the seed's race window kept but short.
const FAST = { options: { perMinute: 100_000, perHour: 100_000, persistDelayMs: 5, sendRetryAfter: true } };

async function freeAgentCredentials(sandbox: Sandbox): Promise<TestCredentialsHelper> {
	// What n8n stores after "Connect my account" (authorization code grant).
	const connected = await connectFreeAgent(sandbox.urls.freeagent, CLIENT_SECRET);
	return new TestCredentialsHelper({ freeAgentOAuth2Api: connected as unknown as ICredentialDataDecryptedObject });
}

function freeAgentInvoices(sandbox: Sandbox, count: number, prefix: string): IDataObject[] {
	return invoices(count, prefix).map((invoice) => ({ ...invoice, currency: 'GBP', contactUrl: `${sandbox.urls.freeagent}/v2/contacts/1` }));
}

const post = (options: IDataObject = {}) => postWorkflow('freeAgent', 'freeAgentOAuth2Api', options);

describe('seed 003: invoices to FreeAgent through timeouts, 5xx, throttling and token expiry', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		// Injected time: each request moves the sandbox clock 10 ms, so a token's lifetime is a number of requests.
		sandbox = await startSandbox({ erps: ['freeagent'], seed: 3, clockStepMs: 10 });
	});
	afterAll(async () => await sandbox.stop());
	beforeEach(() => {
		clearRegistry();
		sandbox.reset();
		sandbox.setFaults('freeagent', FAST);
	});

	it('posts 100 invoices once each, leaves none silently missing, and a re-run settles any Failed', async () => {
		sandbox.setFaults('freeagent', {
			...FAST,
			commitThenTimeout: 0.06,
			commitThenTimeoutMode: 'reset',
			failBeforeCommit: 0.06,
			failBeforeCommitStatus: 503,
			// One 429 (FreeAgent's Retry-After is at least 1 s, honoured in real time): a share would cost a second each.
			schedule: [{ write: 7, fault: 'throttle' }],
			// Access tokens live 400 ms of sandbox time, i.e. 40 requests: the run outlives several, each
			// refreshed with a rotated refresh token — on a fast machine and a busy one alike.
			tokenTtlMs: 400,
		});
		// Connected after the faults are set, so that its first access token expires mid-run too.
		const credentials = await freeAgentCredentials(sandbox);
		const input = freeAgentInvoices(sandbox, 100, 'FA');
		const first = await runWorkflow({ workflow: post({ maxAttempts: 6 }), input, credentials });
		expectEachInvoiceLeftOnce(first, input);

		const log = sandbox.requestLog('freeagent');
		for (const status of [401, 429, 503]) expect(log.some((entry) => entry.status === status)).toBe(true);
		expect(log.some((entry) => entry.delivery !== 'normal')).toBe(true);

		sandbox.setFaults('freeagent', FAST);
		const second = await runWorkflow({ workflow: post(), input, credentials, staticData: first.staticData });
		const truth = sandbox.truth('freeagent');
		expectSettledOnce(second, truth, input.map((invoice) => invoice.externalReference));
		expect(JSON.stringify([first.run, second.run])).not.toContain(CLIENT_SECRET);
	});

	it('10 concurrent executions of 10 invoices without a reference: 100 invoices, 100 distinct references, no 422 in Failed (a naive parallel post loses 9 of 10)', async () => {
		// Naive: 10 reference-less POSTs at once race for the next number (the seed's report). The sandbox
		// holds them until all ten arrived, so they meet inside the ERP however busy the machine is.
		const token = (await signIn(sandbox.urls.freeagent)).access_token;
		sandbox.gather('freeagent', 10);
		const naive = await Promise.all(Array.from({ length: 10 }, () => freeAgent(sandbox.urls.freeagent, token, '/v2/invoices', { method: 'POST', body: invoiceBody() })));
		const statuses = naive.map((response) => response.status);
		expect(statuses.filter((status) => status === 201)).toHaveLength(1);
		expect(statuses.filter((status) => status === 422)).toHaveLength(9);
		sandbox.reset();
		sandbox.setFaults('freeagent', FAST);

		const credentials = await freeAgentCredentials(sandbox);
		const batches = Array.from({ length: 10 }, (_, run) =>
			freeAgentInvoices(sandbox, 10, `RUN${run}`).map(({ externalReference: _none, ...invoice }) => invoice),
		);
		const runs = await Promise.all(batches.map(async (input) => await runWorkflow({ workflow: post({ concurrency: 8 }), input, credentials })));
		const outs = runs.map((run) => routed(run));
		expect(outs.flatMap((out) => failureReasons(out.failed))).toEqual([]);
		expect(outs.reduce((sum, out) => sum + out.posted.length, 0)).toBe(100);

		const truth = sandbox.truth('freeagent');
		expect(truth.invoices).toHaveLength(100);
		expect(Object.keys(truth.countByReference)).toHaveLength(100);
		expect(truth.duplicates).toEqual([]);
		// Every reference is the one derived from the invoice's key, so a re-run finds them again.
		const posted = outs.flatMap((out) => out.posted.map((item) => (item.json.idempotency as IDataObject).reference));
		expect(new Set(posted).size).toBe(100);
		expect(Object.keys(truth.countByReference).sort()).toEqual([...posted].sort());
		expect(sandbox.requestLog('freeagent').filter((entry) => entry.status === 422)).toEqual([]);
	});

	it("a reference with ', &, #, spaces and non-ASCII round-trips through create and Verify By Reference", async () => {
		const credentials = await freeAgentCredentials(sandbox);
		const reference = "O'Brien & Co #7 Zürich – Ærø";
		const [invoice] = freeAgentInvoices(sandbox, 1, 'SPECIAL');
		const input = [{ ...invoice, externalReference: reference }];
		const posted = routed(await runWorkflow({ workflow: post(), input, credentials }));
		expect(failureReasons(posted.failed)).toEqual([]);
		expect(posted.posted).toHaveLength(1);
		expect(sandbox.truth('freeagent').countByReference).toEqual({ [reference]: 1 });

		const verify = chain([
			node('Verify', 'verifyByReference', { erp: 'freeAgent', operation: 'verify', options: { updateLedger: false } }, { freeAgentOAuth2Api: { id: 'cred-fa', name: 'fa' } }),
		]);
		const [found = [], notFound = []] = (await runWorkflow({ workflow: verify, input, credentials })).outputs('Verify');
		expect(notFound).toHaveLength(0);
		expect(found).toHaveLength(1);
		expect((found[0].json.idempotency as IDataObject).erpId).toBe((posted.posted[0].json.idempotency as IDataObject).erpId);
	});
});
