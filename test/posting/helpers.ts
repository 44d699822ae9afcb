import type { IDataObject } from 'n8n-workflow';

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

const FAST_RETRIES = { initialDelayMs: 20, maxDelayMs: 200, requestTimeoutMs: 2000 };

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
