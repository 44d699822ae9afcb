/**
 * Issue 12, hostile-input suite: per ERP, one run of good invoices mixed with hostile ones — erpFields
 * that try to replace what the adapter sets (the call, the reference, the unique keys), amounts no
 * double can hold, wrong types, huge and deeply nested values. Each hostile item must leave by Failed
 * naming its field; the good ones are posted; the run does not crash; the ERP holds the good ones
 * once and nothing of the hostile ones; after a restart the ledger still knows every good one.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { forgetErplySessions } from '../../nodes/shared/erp/erply/session';
import { chain, node, runWorkflow, type WorkflowJson } from '../helpers/n8n-harness';
import { postWorkflow } from '../posting/helpers';
import {
	amountItems,
	ERPS,
	erpUnderTest,
	goodInvoices,
	hostile,
	mismatches,
	naming,
	namingErpField,
	nested,
	postOutputsByKey,
	type ErpUnderTest,
	type HostileItem,
} from './hostile-helpers';
import { installSecretScan } from './secret-scan-hooks';

/** erpFields may add fields, never replace one the adapter sets (issue 12, item 2). */
function protocolFieldItems(erp: ErpUnderTest, victim: IDataObject): HostileItem[] {
	const erpFields = (label: string, fields: IDataObject, field: string) =>
		hostile(erp, label, (invoice) => (invoice.erpFields = fields), namingErpField(field));
	switch (erp.sandboxErp) {
		case 'infor':
			return [
				erpFields('infor-replaces-reference', { externalReference: String(victim.externalReference) }, 'externalReference'),
				erpFields('infor-replaces-invoice-number', { invoiceNumber: 'OTHER-1' }, 'invoiceNumber'),
			];
		case 'dataverse':
			return [
				erpFields('dataverse-replaces-reference', { ExternalReference: String(victim.externalReference) }, 'ExternalReference'),
				// VendorAccount + InvoiceNumber are the alternate key a conditional create addresses.
				erpFields('dataverse-replaces-alternate-key-vendor', { VendorAccount: 'V999' }, 'VendorAccount'),
				erpFields('dataverse-replaces-alternate-key-number', { InvoiceNumber: String(victim.invoiceNumber) }, 'InvoiceNumber'),
			];
		case 'freeagent':
			return [erpFields('freeagent-replaces-reference', { reference: String(victim.externalReference) }, 'reference')];
		case 'erply':
			return [
				// The call itself: with the integration user's session this would delete a document.
				erpFields('erply-replaces-request', { request: 'deleteSalesDocument', documentID: '1' }, 'request'),
				erpFields('erply-replaces-reference', { customReferenceNumber: String(victim.externalReference) }, 'customReferenceNumber'),
				erpFields('erply-replaces-temporary-uuid', { temporaryUUID: 'fixed-uuid-1' }, 'temporaryUUID'),
				erpFields('erply-replaces-session-key', { sessionKey: 'forged-session' }, 'sessionKey'),
				erpFields('erply-replaces-client-code', { clientCode: 'other-account' }, 'clientCode'),
			];
		case 'mendix':
			return [
				// Another invoice's unique key: it must not be taken.
				erpFields('mendix-takes-another-transaction-id', { transactionId: String(victim.transactionId) }, 'transactionId'),
				erpFields('mendix-replaces-reference', { externalReference: String(victim.externalReference) }, 'externalReference'),
			];
		case 'generic':
			return [erpFields('generic-replaces-reference', { externalReference: String(victim.externalReference) }, 'externalReference')];
	}
}

/** Wrong types, missing and huge fields: refused per item, naming the field (tried on Infor through Batch Splitter). */
function malformedItems(erp: ErpUnderTest): HostileItem[] {
	const item = (label: string, change: (invoice: IDataObject) => void, field: string) => hostile(erp, label, change, naming(field));
	return [
		item('invoice-number-missing', (invoice) => delete invoice.invoiceNumber, 'invoiceNumber'),
		item('invoice-number-object', (invoice) => (invoice.invoiceNumber = { $gt: '' }), 'invoiceNumber'),
		item('invoice-number-array', (invoice) => (invoice.invoiceNumber = ['INV-1', 'INV-2']), 'invoiceNumber'),
		item('invoice-number-1mb', (invoice) => (invoice.invoiceNumber = 'N'.repeat(1024 * 1024)), 'invoiceNumber'),
		item('amount-array', (invoice) => (invoice.amount = [100]), 'amount'),
		item('amount-boolean', (invoice) => (invoice.amount = true), 'amount'),
		item('amount-exponent', (invoice) => (invoice.amount = '1e400'), 'amount'),
		item('amount-jpy-with-decimals', (invoice) => Object.assign(invoice, { currency: 'JPY', amount: '100.5' }), 'amount'),
		item('currency-not-iso', (invoice) => (invoice.currency = 'EURO'), 'currency'),
		item('invoice-date-not-a-date', (invoice) => (invoice.invoiceDate = 'yesterday'), 'invoiceDate'),
		item('lines-not-a-list', (invoice) => (invoice.lines = 'one line'), 'lines'),
		item('line-null', (invoice) => (invoice.lines = [null]), 'lines[0]'),
		item('customer-name-1mb', (invoice) => (invoice.customerName = 'x'.repeat(1024 * 1024)), 'customerName'),
		item('external-reference-object', (invoice) => (invoice.externalReference = { toString: 'REF' }), 'externalReference'),
		item('erp-fields-text', (invoice) => (invoice.erpFields = 'status=paid'), 'erpFields'),
		item('erp-fields-list', (invoice) => (invoice.erpFields = [1, 2]), 'erpFields'),
		item('erp-fields-nested-5000-deep', (invoice) => (invoice.erpFields = nested(5000)), 'erpFields'),
		item('erp-fields-1mb-value', (invoice) => (invoice.erpFields = { note: 'y'.repeat(1024 * 1024) }), 'erpFields'),
	];
}

describe('hostile items among good ones, posted to each ERP', () => {
	const scan = installSecretScan();
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ seed: 12 });
	});
	afterAll(async () => await sandbox.stop());
	beforeEach(() => {
		clearRegistry();
		forgetErplySessions();
		// Each test starts from an empty ERP, also after a failed one.
		sandbox.reset();
	});

	const workflowFor = (erp: ErpUnderTest): WorkflowJson => {
		if (erp.sandboxErp !== 'infor') return postWorkflow(erp.erp, erp.credentialType);
		// Infor's items go through Batch Splitter first (continue on fail: an unusable key fails that item only).
		return chain([
			{ ...node('Batch Splitter', 'batchSplitter', { mode: 'fixedSize', batchSize: 10, outputFormat: 'batchItems' }), onError: 'continueRegularOutput' },
			node('Post', 'idempotentInvoicePost', { erp: 'inforIcs', options: { batchSize: 10, initialDelayMs: 20, maxDelayMs: 200, requestTimeoutMs: 5000 } }, { inforIonApi: { id: 'cred-infor', name: 'Infor' } }),
		]);
	};

	it.each(ERPS.map((erp) => [erp.sandboxErp, erp] as const))('%s: each hostile item fails naming its field, the good ones are posted once, the ledger survives a restart', async (_, erp) => {
		sandbox.setFaults(erp.sandboxErp, erp.simulatorOptions ?? {});
		const good = goodInvoices(erp, 6, `GOOD-${erp.sandboxErp}`);
		const hostileItems = [...protocolFieldItems(erp, good[0]), ...amountItems(erp), ...(erp.sandboxErp === 'infor' ? malformedItems(erp) : [])];
		// Good and hostile interleaved, so a crash or a batch-wide failure shows on the good ones too.
		const input = [...good.slice(0, 3), ...hostileItems.map((entry) => entry.json), ...good.slice(3)];
		const credentials = await erp.credentials(sandbox);
		const workflow = workflowFor(erp);

		const run = await runWorkflow({ workflow, input, credentials });
		expect(run.error).toBeUndefined();
		// An amount may instead be posted as exact text: then the ERP must hold exactly that text.
		const referenceOf = (json: IDataObject) => String(erp.sandboxErp === 'mendix' ? json.transactionId : json.externalReference);
		const erpHolds = (item: INodeExecutionData, text: string) =>
			JSON.stringify(sandbox.truth(erp.sandboxErp).invoices.filter((stored) => stored.reference === referenceOf(item.json)).map((stored) => stored.raw)).includes(text);
		expect(mismatches(run, hostileItems, 'Post', erpHolds)).toEqual([]);
		const byKey = postOutputsByKey(run);
		expect(good.map((invoice) => byKey.get(String(invoice.idempotencyKey))?.map((left) => left.route))).toEqual(good.map(() => ['posted']));

		// The ERP holds the good invoices once each, nothing of the hostile ones, and nothing was deleted.
		const truth = sandbox.truth(erp.sandboxErp);
		expect(truth.duplicates).toEqual([]);
		const goodReferences = good.map(referenceOf).sort();
		const heldExactly = hostileItems.filter((entry) => !('posted' in entry.expected) && entry.expected.orHeldExactly !== undefined && truth.countByReference[referenceOf(entry.json)] === 1);
		expect(Object.keys(truth.countByReference).sort()).toEqual([...goodReferences, ...heldExactly.map((entry) => referenceOf(entry.json))].sort());
		if (erp.sandboxErp === 'erply') {
			expect(sandbox.requestLog('erply').filter((entry) => entry.form?.request !== undefined && !['verifyUser', 'saveSalesDocument', 'getSalesDocuments'].includes(entry.form.request))).toEqual([]);
		}

		// A restart of n8n, then the same delivery again: the ledger still holds every good invoice.
		clearRegistry();
		forgetErplySessions();
		const again = await runWorkflow({ workflow, input, credentials, staticData: run.staticData });
		expect(again.error).toBeUndefined();
		const againByKey = postOutputsByKey(again);
		expect(good.map((invoice) => againByKey.get(String(invoice.idempotencyKey))?.map((left) => [left.route, (left.item.json.idempotency as IDataObject).outcome]))).toEqual(
			good.map(() => [['existed', 'duplicate']]),
		);
		expect(mismatches(again, hostileItems, 'Post', erpHolds)).toEqual([]);
		expect(sandbox.truth(erp.sandboxErp).countByReference).toEqual(truth.countByReference);
		sandbox.reset(erp.sandboxErp);
	});

	it('generic REST with a body template: erpFields cannot replace a templated field (the reference, the key)', async () => {
		const erp = erpUnderTest('generic');
		sandbox.setFaults('generic', erp.simulatorOptions ?? {});
		const settings = {
			genericRestSettings: {
				bodyTemplate: JSON.stringify({ reference: '{reference}', idem: '{key}', meta: { ref: '{reference}' }, invoiceNumber: '{invoice.invoiceNumber}', amount: '{invoice.amount}' }),
				referenceField: 'meta.ref',
				lookupPath: '/invoices/{reference}',
			},
		};
		const good = goodInvoices(erp, 3, 'TEMPLATE');
		const hostileItems = [
			hostile(erp, 'template-reference-replaced', (invoice) => (invoice.erpFields = { reference: 'STOLEN-1' }), namingErpField('reference')),
			hostile(erp, 'template-key-replaced', (invoice) => (invoice.erpFields = { idem: 'other-key' }), namingErpField('idem')),
			// A shallow merge would swap the whole object that holds the reference field.
			hostile(erp, 'template-reference-parent-replaced', (invoice) => (invoice.erpFields = { meta: { ref: 'STOLEN-2' } }), namingErpField('meta')),
		];
		const run = await runWorkflow({
			workflow: postWorkflow('genericRest', 'genericErpApi', {}, settings),
			input: [...good, ...hostileItems.map((entry) => entry.json)],
			credentials: await erp.credentials(sandbox),
		});
		expect(run.error).toBeUndefined();
		expect(mismatches(run, hostileItems)).toEqual([]);
		expect(Object.keys(sandbox.truth('generic').countByReference).sort()).toEqual(good.map((invoice) => String(invoice.externalReference)).sort());
		sandbox.reset('generic');
	});

	// Last in the file: the scan (run after all tests, secret-scan-hooks.ts) must have had something to look for and at.
	it('the secret scan knew the secrets of all six credentials and saw every run and request log', () => {
		// Infor cs + sask, Dataverse client secret + token, FreeAgent tokens, Erply password + session key, Mendix password, generic token.
		expect(scan.secretCount).toBeGreaterThanOrEqual(9);
		expect(scan.collectedCount).toBeGreaterThanOrEqual(2 * ERPS.length);
	});
});
