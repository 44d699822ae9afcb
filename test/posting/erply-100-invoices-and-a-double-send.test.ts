import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { erply, openSession, salesDocument } from '../sandbox/erply-helpers';
import { chain, node, runWorkflow, TestCredentialsHelper } from '../helpers/n8n-harness';
import { expectEachInvoiceLeftOnce, expectSettledOnce, failureReasons, invoices, postWorkflow, routed } from './helpers';

const PASSWORD = 'demo-password';

function erplyCredentials(sandbox: Sandbox, password = PASSWORD): TestCredentialsHelper {
	return new TestCredentialsHelper({ erplyApi: { clientCode: 'sandbox', username: 'demo', password, baseUrl: `${sandbox.urls.erply}/api/` } });
}

/** Erply's customerID is numeric. */
function erplyInvoices(count: number, prefix = 'INV'): IDataObject[] {
	return invoices(count, prefix).map((invoice) => ({ ...invoice, customerId: '17' }));
}

describe('seed 004: sales documents to Erply through timeouts, 5xx, quota and session expiry', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		// Injected time: each request moves the sandbox clock 10 ms, so a session's lifetime is a number of requests.
		sandbox = await startSandbox({ erps: ['erply'], seed: 4, clockStepMs: 10 });
	});
	afterAll(async () => await sandbox.stop());
	beforeEach(() => {
		clearRegistry();
		sandbox.reset();
		sandbox.setFaults('erply', {});
	});

	it('posts 100 invoices once each, leaves none silently missing, and a re-run settles any Failed', async () => {
		sandbox.setFaults('erply', {
			commitThenTimeout: 0.06,
			commitThenTimeoutMode: 'reset',
			failBeforeCommit: 0.06,
			failBeforeCommitStatus: 503,
			// Sessions live 300 ms of sandbox time (30 requests): several expire mid-run (1054) and are renewed,
			// and a renewed one never expires before it is used, however busy the machine.
			tokenTtlMs: 300,
		});
		const input = erplyInvoices(100);
		const credentials = erplyCredentials(sandbox);
		const workflow = postWorkflow('erply', 'erplyApi', { maxAttempts: 6 });
		const first = await runWorkflow({ workflow, input, credentials });
		expectEachInvoiceLeftOnce(first, input);
		// Sessions expired mid-run and were renewed with verifyUser.
		const verifyUsers = sandbox.requestLog('erply').filter((entry) => entry.form?.request === 'verifyUser');
		expect(verifyUsers.length).toBeGreaterThan(1);
		expect(sandbox.requestLog('erply').some((entry) => entry.status === 503)).toBe(true);

		sandbox.setFaults('erply', {});
		const second = await runWorkflow({ workflow, input, credentials, staticData: first.staticData });
		const truth = sandbox.truth('erply');
		expectSettledOnce(second, truth, input.map((invoice) => invoice.externalReference));
		expect(JSON.stringify([first.run, second.run])).not.toContain(PASSWORD);
	});

	it('the hourly quota (1002) sends items to Failed with the reason, not a blocked run', async () => {
		sandbox.setFaults('erply', { throttle: 1 });
		const run = await runWorkflow({ workflow: postWorkflow('erply', 'erplyApi'), input: erplyInvoices(3, 'QUOTA'), credentials: erplyCredentials(sandbox) });
		const out = routed(run);
		expect(out.failed).toHaveLength(3);
		for (const item of out.failed) {
			const idempotency = item.json.idempotency as IDataObject;
			expect(idempotency.state).toBe('RETRY');
			expect(String(idempotency.error)).toMatch(/1002/);
		}
		expect(sandbox.truth('erply').invoices).toHaveLength(0);
	});

	it('the same invoice sent twice at once: naive saves make two documents, two executions of ours make one', async () => {
		const session = await openSession(sandbox.urls.erply);
		const naiveSave = () => erply(sandbox.urls.erply, 'saveSalesDocument', salesDocument({ sessionKey: session, invoiceNo: 'NAIVE-1', customReferenceNumber: 'NAIVE-1', date: '2026-11-24' }));
		await Promise.all([naiveSave(), naiveSave()]);
		expect(sandbox.truth('erply').countByReference['NAIVE-1']).toBe(2);

		const [invoice] = erplyInvoices(1, 'TWICE');
		const credentials = erplyCredentials(sandbox);
		const workflow = postWorkflow('erply', 'erplyApi');
		const runs = await Promise.all([runWorkflow({ workflow, input: [invoice], credentials }), runWorkflow({ workflow, input: [invoice], credentials })]);
		const outs = runs.map((run) => routed(run));
		expect(outs.flatMap((out) => failureReasons(out.failed))).toEqual([]);
		expect(sandbox.truth('erply').countByReference[String(invoice.externalReference)]).toBe(1);
		const erpIds = outs.flatMap((out) => [...out.posted, ...out.existed]).map((item) => (item.json.idempotency as IDataObject).erpId);
		expect(erpIds).toHaveLength(2);
		expect(new Set(erpIds).size).toBe(1);
	});

	it("a reference with ', &, #, spaces and non-ASCII round-trips through create and Verify By Reference", async () => {
		const reference = "O'Brien & Co #7 Zürich – Ærø";
		const [invoice] = erplyInvoices(1, 'SPECIAL');
		const input = [{ ...invoice, externalReference: reference }];
		const credentials = erplyCredentials(sandbox);
		const posted = routed(await runWorkflow({ workflow: postWorkflow('erply', 'erplyApi'), input, credentials }));
		expect(failureReasons(posted.failed)).toEqual([]);
		expect(posted.posted).toHaveLength(1);
		expect(sandbox.truth('erply').countByReference).toEqual({ [reference]: 1 });

		const verify = chain([node('Verify', 'verifyByReference', { erp: 'erply', operation: 'verify', options: { updateLedger: false } }, { erplyApi: { id: 'cred-e', name: 'e' } })]);
		const [found = [], notFound = []] = (await runWorkflow({ workflow: verify, input, credentials })).outputs('Verify');
		expect(notFound).toHaveLength(0);
		expect(found).toHaveLength(1);
		expect((found[0].json.idempotency as IDataObject).erpId).toBe((posted.posted[0].json.idempotency as IDataObject).erpId);
	});
});
