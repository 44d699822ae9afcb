import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { Sandbox } from '../../sandbox';
import { inforDemoIonApi } from '../../sandbox/erps/infor/simulator';
import { TestCredentialsHelper, chain, node, type RunResult } from '../helpers/n8n-harness';

/** `count` canonical invoices with distinct keys and references, as a finance system exports them. */
export function invoices(count: number, prefix = 'INV'): IDataObject[] {
	return Array.from({ length: count }, (_, i) => ({
		idempotencyKey: `ACME-2026-11-24-${prefix}-${String(i + 1).padStart(4, '0')}`,
		externalReference: `ACME-${prefix}-${String(i + 1).padStart(4, '0')}`,
		invoiceNumber: `${prefix}-${String(i + 1).padStart(4, '0')}`,
		invoiceDate: '2026-11-24',
		dueDate: '2026-12-24',
		currency: 'EUR',
		amount: 100 + i,
		customerId: 'C-100',
		customerName: 'Acme GmbH',
		lines: [{ description: 'Consulting', quantity: 1, unitPrice: 100 + i }],
	}));
}

export function inforCredentials(sandbox: Sandbox): TestCredentialsHelper {
	return new TestCredentialsHelper({ inforIonApi: { ionapiFile: JSON.stringify(inforDemoIonApi(sandbox.urls.infor)) } });
}

// Short back-offs and a settle window of a few hundred ms (tests never wait real minutes); a generous request
// timeout, so that no answer a busy machine is slow to deliver counts as lost (a test that wants a timeout holds
// the answer and sets its own).
const FAST_RETRIES = { initialDelayMs: 20, maxDelayMs: 200, requestTimeoutMs: 10_000, settleSeconds: 0.3 };

export const DATAVERSE_SECRET = 'sandbox-secret';

export function dataverseCredentials(sandbox: Sandbox, clientSecret = DATAVERSE_SECRET): TestCredentialsHelper {
	return new TestCredentialsHelper({
		dynamics365Api: {
			environmentUrl: sandbox.urls.dataverse,
			tenantId: 'sandbox-tenant',
			// The sandbox's token endpoint stands in for login.microsoftonline.com.
			authorityUrl: sandbox.urls.dataverse,
			clientId: 'sandbox-client',
			clientSecret,
		},
	});
}

/** Batch Splitter → Idempotent Invoice Post against Infor, as the seed 000 user would wire it. */
export function inforBatchWorkflow(options: IDataObject = {}, splitter: IDataObject = {}) {
	return chain([
		node('Batch Splitter', 'batchSplitter', { mode: 'fixedSize', batchSize: 15, outputFormat: 'batchItems', ...splitter }),
		node(
			'Post',
			'idempotentInvoicePost',
			{ erp: 'inforIcs', options: { batchSize: 15, ...FAST_RETRIES, ...options } },
			{ inforIonApi: { id: 'cred-infor', name: 'Infor sandbox' } },
		),
	]);
}

export function postWorkflow(erp: string, credentialType: string, options: IDataObject = {}, extra: IDataObject = {}) {
	return chain([
		node('Post', 'idempotentInvoicePost', { erp, options: { ...FAST_RETRIES, ...options }, ...extra }, { [credentialType]: { id: `cred-${erp}`, name: erp } }),
	]);
}

export function routed(run: RunResult, nodeName = 'Post') {
	const [posted = [], existed = [], failed = []] = run.outputs(nodeName);
	return { posted, existed, failed };
}

/** The reason each Failed item carries (undefined when one has none). */
export const failureReasons = (items: INodeExecutionData[]) => items.map((item) => (item.json.idempotency as IDataObject).error);

/** The promise for one run: every input invoice leaves by exactly one output, and a Failed one says why. */
export function expectEachInvoiceLeftOnce(run: RunResult, input: IDataObject[]): ReturnType<typeof routed> {
	expect(run.error).toBeUndefined();
	const out = routed(run);
	const keysOut = [...out.posted, ...out.existed, ...out.failed].map((item) => item.json.idempotencyKey).sort();
	expect(keysOut).toEqual(input.map((invoice) => invoice.idempotencyKey).sort());
	for (const reason of failureReasons(out.failed)) expect(reason).toEqual(expect.any(String));
	return out;
}

/** After the user's re-run: nothing in Failed, every invoice Posted or Already Existed, and the ERP holds each reference once. */
export function expectSettledOnce(rerun: RunResult, truth: { duplicates: unknown[]; countByReference: Record<string, number> }, references: unknown[]): void {
	const again = routed(rerun);
	expect(failureReasons(again.failed)).toEqual([]);
	expect(again.posted.length + again.existed.length).toBe(references.length);
	expect(truth.duplicates).toEqual([]);
	expect(Object.keys(truth.countByReference).sort()).toEqual(references.map(String).sort());
}
