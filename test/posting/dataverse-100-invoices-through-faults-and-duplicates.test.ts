import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { accessToken, buildBatch } from '../sandbox/dataverse-helpers';
import { chain, node, runWorkflow } from '../helpers/n8n-harness';
import { DATAVERSE_SECRET as SECRET, dataverseCredentials, expectEachInvoiceLeftOnce, expectSettledOnce, failureReasons, invoices, postWorkflow, routed } from './helpers';

function vendorInvoices(count: number, prefix = 'INV'): IDataObject[] {
	return invoices(count, prefix).map((invoice) => ({ ...invoice, vendorAccount: 'V001' }));
}

describe('seed 001: vendor invoices to Dataverse through timeouts, 5xx, throttling and token expiry', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		// Injected time: each request moves the sandbox clock 10 ms, so a token's lifetime is a number of requests.
		sandbox = await startSandbox({ erps: ['dataverse'], seed: 1, clockStepMs: 10 });
	});
	afterAll(async () => await sandbox.stop());
	beforeEach(() => {
		clearRegistry();
		sandbox.reset();
		sandbox.setFaults('dataverse', {});
	});

	it('posts 100 invoices once each, leaves none silently missing, and a re-run settles any Failed', async () => {
		sandbox.setFaults('dataverse', {
			commitThenTimeout: 0.06,
			commitThenTimeoutMode: 'reset',
			failBeforeCommit: 0.06,
			failBeforeCommitStatus: 503,
			throttle: 0.06,
			retryAfterSeconds: 0,
			// Tokens live 60 ms of sandbox time, i.e. 6 requests (the run's $batch calls are few): the run
			// outlives several, so expiry mid-run is certain — on a fast machine and a busy one alike.
			tokenTtlMs: 60,
		});
		const input = vendorInvoices(100);
		const credentials = dataverseCredentials(sandbox);
		const workflow = postWorkflow('dynamics365', 'dynamics365Api', { maxAttempts: 6 });
		const first = await runWorkflow({ workflow, input, credentials });
		expectEachInvoiceLeftOnce(first, input);

		const log = sandbox.requestLog('dataverse');
		expect(log.some((entry) => entry.status === 429)).toBe(true);
		expect(log.some((entry) => entry.status === 503)).toBe(true);
		expect(log.some((entry) => entry.status === 401)).toBe(true);

		sandbox.setFaults('dataverse', {});
		const second = await runWorkflow({ workflow, input, credentials, staticData: first.staticData });
		const truth = sandbox.truth('dataverse');
		expectSettledOnce(second, truth, input.map((invoice) => invoice.externalReference));
		expect(JSON.stringify([first.run, second.run])).not.toContain(SECRET);
	});

	it('a 50-invoice $batch with 3 duplicates: naive changeset posts none, the Post node posts the 47 others', async () => {
		const input = vendorInvoices(50, 'BATCH');
		const alreadyThere = [input[4], input[20], input[41]];
		const token = await accessToken(sandbox.urls.dataverse);
		for (const invoice of alreadyThere) {
			const created = await fetch(`${sandbox.urls.dataverse}/api/data/v9.2/VendorInvoices`, {
				method: 'POST',
				headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
				body: JSON.stringify({ VendorAccount: 'V001', InvoiceNumber: invoice.invoiceNumber, ExternalReference: invoice.externalReference, InvoiceDate: invoice.invoiceDate, Amount: invoice.amount }),
			});
			expect(created.status).toBe(204);
		}

		// Naive: what the seed's user sent — one changeset holding all 50 creates.
		const naive = buildBatch([
			{
				changeset: input.map((invoice, index) => ({
					method: 'POST',
					url: `${sandbox.urls.dataverse}/api/data/v9.2/VendorInvoices`,
					contentId: String(index + 1),
					body: { VendorAccount: 'V001', InvoiceNumber: invoice.invoiceNumber, ExternalReference: invoice.externalReference, InvoiceDate: invoice.invoiceDate, Amount: invoice.amount },
				})),
			},
		]);
		const naiveResponse = await fetch(`${sandbox.urls.dataverse}/api/data/v9.2/$batch`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${token}`, 'Content-Type': naive.contentType },
			body: naive.body,
		});
		await naiveResponse.text();
		expect(sandbox.truth('dataverse').invoices).toHaveLength(3);

		const run = await runWorkflow({
			workflow: postWorkflow('dynamics365', 'dynamics365Api', { batchSize: 50 }),
			input,
			credentials: dataverseCredentials(sandbox),
		});
		const out = routed(run);
		expect(failureReasons(out.failed)).toEqual([]);
		expect(out.posted).toHaveLength(47);
		expect(out.existed.map((item) => item.json.invoiceNumber).sort()).toEqual(alreadyThere.map((invoice) => invoice.invoiceNumber).sort());
		const truth = sandbox.truth('dataverse');
		expect(truth.invoices).toHaveLength(50);
		expect(truth.duplicates).toEqual([]);
		// One $batch call carried the 50 creates.
		expect(sandbox.requestLog('dataverse').filter((entry) => entry.path.includes('$batch')).length).toBe(2);
	});

	it("a reference with ', &, #, spaces and non-ASCII round-trips through create and Verify By Reference", async () => {
		const reference = "O'Brien & Co #7 Zürich – Ærø";
		const [invoice] = vendorInvoices(1, 'SPECIAL');
		const input = [{ ...invoice, externalReference: reference }];
		const credentials = dataverseCredentials(sandbox);
		const posted = routed(await runWorkflow({ workflow: postWorkflow('dynamics365', 'dynamics365Api'), input, credentials }));
		expect(failureReasons(posted.failed)).toEqual([]);
		expect(posted.posted).toHaveLength(1);
		expect(sandbox.truth('dataverse').countByReference).toEqual({ [reference]: 1 });

		const verify = chain([
			node('Verify', 'verifyByReference', { erp: 'dynamics365', operation: 'verify', options: { updateLedger: false } }, { dynamics365Api: { id: 'cred-d', name: 'd' } }),
		]);
		const verified = await runWorkflow({ workflow: verify, input, credentials });
		const [found = [], notFound = []] = verified.outputs('Verify');
		expect(notFound).toHaveLength(0);
		expect(found).toHaveLength(1);
		expect((found[0].json.idempotency as IDataObject).erpId).toBe((posted.posted[0].json.idempotency as IDataObject).erpId);
	});
});
