/**
 * What the hostile-input suites share: credentials and invoice shapes per sandbox ERP, and the table
 * of hostile items with the outcome each must have (a per-item error naming a field, or posted).
 */
import type { ICredentialDataDecryptedObject, IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { Sandbox, SandboxErp } from '../../sandbox';
import { inforDemoIonApi } from '../../sandbox/erps/infor/simulator';
import { GENERIC_DEMO } from '../../sandbox/erps/generic/simulator';
import { sandboxCredentialData } from '../../e2e/demo/templates';
import { connectFreeAgent } from '../erp/freeagent-transport';
import { TestCredentialsHelper, type RunResult } from '../helpers/n8n-harness';
import { invoices } from '../posting/helpers';

export interface ErpUnderTest {
	sandboxErp: SandboxErp;
	/** The node's `erp` parameter. */
	erp: string;
	credentialType: string;
	/** Canonical invoices as this ERP needs them (its party field, currency). */
	shape(invoice: IDataObject, index: number): IDataObject;
	credentials(sandbox: Sandbox): Promise<TestCredentialsHelper>;
	/** Faults/options the simulator needs to be fast and strict enough for the test. */
	simulatorOptions?: IDataObject;
}

export const ERPS: ErpUnderTest[] = [
	{
		sandboxErp: 'infor',
		erp: 'inforIcs',
		credentialType: 'inforIonApi',
		shape: (invoice) => invoice,
		credentials: async (sandbox) => new TestCredentialsHelper({ inforIonApi: { ionapiFile: JSON.stringify(inforDemoIonApi(sandbox.urls.infor)) } }),
	},
	{
		sandboxErp: 'dataverse',
		erp: 'dynamics365',
		credentialType: 'dynamics365Api',
		shape: (invoice) => ({ ...invoice, vendorAccount: 'V001' }),
		credentials: async (sandbox) => new TestCredentialsHelper({ dynamics365Api: sandboxCredentialData('dynamics365Api', sandbox) as ICredentialDataDecryptedObject }),
	},
	{
		sandboxErp: 'freeagent',
		erp: 'freeAgent',
		credentialType: 'freeAgentOAuth2Api',
		shape: (invoice) => ({ ...invoice, currency: 'GBP', contactUrl: undefined, customerId: '1' }),
		// "Connect my account" done: the tokens of an authorization-code grant are stored.
		credentials: async (sandbox) =>
			new TestCredentialsHelper({ freeAgentOAuth2Api: (await connectFreeAgent(sandbox.urls.freeagent)) as unknown as ICredentialDataDecryptedObject }),
		simulatorOptions: { options: { perMinute: 100_000, perHour: 100_000, persistDelayMs: 0 } },
	},
	{
		sandboxErp: 'erply',
		erp: 'erply',
		credentialType: 'erplyApi',
		shape: (invoice) => ({ ...invoice, customerId: '17' }),
		credentials: async (sandbox) => new TestCredentialsHelper({ erplyApi: sandboxCredentialData('erplyApi', sandbox) as ICredentialDataDecryptedObject }),
	},
	{
		sandboxErp: 'mendix',
		erp: 'mendix',
		credentialType: 'mendixApi',
		shape: (invoice, index) => ({ ...invoice, transactionId: `RPA-TX-${String(invoice.invoiceNumber)}-${index}` }),
		credentials: async (sandbox) => new TestCredentialsHelper({ mendixApi: sandboxCredentialData('mendixApi', sandbox) as ICredentialDataDecryptedObject }),
	},
	{
		sandboxErp: 'generic',
		erp: 'genericRest',
		credentialType: 'genericErpApi',
		shape: (invoice) => invoice,
		// Bearer auth, so that the token is one more secret the scan looks for.
		credentials: async (sandbox) => new TestCredentialsHelper({ genericErpApi: { baseUrl: sandbox.urls.generic, authType: 'bearer', token: GENERIC_DEMO.bearerToken } }),
		simulatorOptions: { options: { auth: 'bearer' } },
	},
];

export function erpUnderTest(sandboxErp: SandboxErp): ErpUnderTest {
	return ERPS.find((erp) => erp.sandboxErp === sandboxErp)!;
}

/** `count` good invoices for `erp`, with keys/references unique to `prefix`. */
export function goodInvoices(erp: ErpUnderTest, count: number, prefix: string): IDataObject[] {
	return invoices(count, prefix).map((invoice, index) => erp.shape(invoice, index));
}

// ---------------------------------------------------------------- hostile items and their expected outcome

/**
 * Failed with an error naming the field — or, where the issue allows it, posted with the ERP holding
 * `orHeldExactly` verbatim (an amount sent as exact decimal text instead of refused).
 */
export type Expected = { failedNaming: RegExp; orHeldExactly?: string } | { posted: true };

export interface HostileItem {
	/** What is hostile about it (the test's own label). */
	name: string;
	json: IDataObject;
	expected: Expected;
}

const escaped = (text: string) => text.replace(/[.[\]$]/g, (c) => `\\${c}`);
/** The field as the error must name it: the exact word (or `$json.field`), so `amount` does not match `amounts`, `amount1` or `lines[0].amount`. */
export const naming = (field: string): Expected => ({ failedNaming: new RegExp(`(^|[^\\w.\\[]|\\$json\\.)${escaped(field)}($|[^\\w])`) });
/** A field inside erpFields: the error names both (`erpFields.request`, or "erpFields may not set request"). */
export const namingErpField = (field: string): Expected => ({
	failedNaming: new RegExp(`^(?=[\\s\\S]*erpFields)(?=[\\s\\S]*(^|[^\\w])${escaped(field)}($|[^\\w]))`),
});

/** A hostile variant of a good invoice of `erp`: key and reference stay unique to `label`. */
export function hostile(erp: ErpUnderTest, label: string, change: (invoice: IDataObject) => void, expected: Expected): HostileItem {
	const [base] = goodInvoices(erp, 1, `H-${label}`);
	change(base);
	return { name: label, json: base, expected };
}

/** An object `depth` levels deep, e.g. a payload built to blow the stack of a recursive walker. */
export function nested(depth: number): IDataObject {
	let value: IDataObject = { leaf: 'x' };
	for (let level = 0; level < depth; level++) value = { deeper: value };
	return value;
}

/** Amount problems every ERP must refuse per item (or send as exact text): beyond a double, beyond the currency. */
export function amountItems(erp: ErpUnderTest): HostileItem[] {
	return [
		hostile(erp, 'amount-400-digits', (invoice) => (invoice.amount = `1${'0'.repeat(399)}`), { ...naming('amount'), orHeldExactly: `1${'0'.repeat(399)}` }),
		hostile(erp, 'amount-17-significant-digits', (invoice) => (invoice.amount = '12345678901234.567'), { ...naming('amount'), orHeldExactly: '12345678901234.567' }),
		hostile(erp, 'amount-more-decimals-than-currency', (invoice) => (invoice.amount = '10.005'), naming('amount')),
		hostile(
			erp,
			'unit-price-400-digits',
			(invoice) => (invoice.lines = [{ description: 'Consulting', quantity: 1, unitPrice: `9${'9'.repeat(399)}` }]),
			naming('lines[0].unitPrice'),
		),
	];
}

// ---------------------------------------------------------------- reading a run

export const info = (item: INodeExecutionData) => (item.json.idempotency ?? {}) as IDataObject;

/** The error an output item carries: the Post node's `idempotency.error`, or n8n's continue-on-fail `error`. */
export function errorOf(item: INodeExecutionData): string {
	const error = info(item).error ?? item.json.error;
	if (typeof error === 'string') return error;
	if (error && typeof error === 'object') return String((error as IDataObject).message ?? JSON.stringify(error));
	return '';
}

/** The Post node's outputs by the key each item carried. */
export function postOutputsByKey(run: RunResult, nodeName = 'Post'): Map<string, { route: 'posted' | 'existed' | 'failed'; item: INodeExecutionData }[]> {
	const byKey = new Map<string, { route: 'posted' | 'existed' | 'failed'; item: INodeExecutionData }[]>();
	const routes = ['posted', 'existed', 'failed'] as const;
	run.outputs(nodeName).forEach((items, output) => {
		for (const item of items) {
			const key = String(item.json.idempotencyKey);
			byKey.set(key, [...(byKey.get(key) ?? []), { route: routes[output], item }]);
		}
	});
	return byKey;
}

/**
 * Each hostile item left exactly once, as expected: Failed with an error naming its field, or Posted.
 * Returns the mismatches (label: what happened) so one failing expectation lists them all.
 */
export function mismatches(run: RunResult, items: HostileItem[], nodeName = 'Post', erpHolds: (item: INodeExecutionData, text: string) => boolean = () => false): string[] {
	const byKey = postOutputsByKey(run, nodeName);
	const wrong: string[] = [];
	for (const hostileItem of items) {
		const left = byKey.get(String(hostileItem.json.idempotencyKey)) ?? [];
		if (left.length !== 1) {
			wrong.push(`${hostileItem.name}: left ${left.length} times`);
			continue;
		}
		const [{ route, item }] = left;
		const error = errorOf(item);
		if ('posted' in hostileItem.expected) {
			if (route !== 'posted') wrong.push(`${hostileItem.name}: expected Posted, got ${route} (${error.slice(0, 200)})`);
		} else if (route !== 'failed' && hostileItem.expected.orHeldExactly !== undefined && erpHolds(item, hostileItem.expected.orHeldExactly)) {
			continue;
		} else if (route !== 'failed') {
			wrong.push(`${hostileItem.name}: expected Failed naming ${hostileItem.expected.failedNaming}, got ${route}`);
		} else if (!hostileItem.expected.failedNaming.test(error)) {
			wrong.push(`${hostileItem.name}: Failed, but the error does not name ${hostileItem.expected.failedNaming}: ${error.slice(0, 200)}`);
		}
	}
	return wrong;
}
