/**
 * A finance system that names its fields its own way ("Invoice No", docDate, ccy, total, client.id)
 * posts through the Post node's Invoice Fields mapping alone — no Set node — to Infor and Erply;
 * amounts reach the ERP as the exact decimal given, or the item is refused naming the field and the
 * item (400 digits once became Infinity: null to Infor, "Infinity" to Erply).
 */
import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { chain, node, runWorkflow, TestCredentialsHelper } from '../helpers/n8n-harness';
import { failureReasons, inforCredentials, postWorkflow, routed } from './helpers';

/** The mapping a user types into Invoice Fields for such a system. */
const OWN_FIELDS = {
	invoiceNumber: '={{ $json["Invoice No"] }}',
	invoiceDate: '={{ $json.docDate }}',
	currency: '={{ $json.ccy }}',
	amount: '={{ $json.total }}',
	// Not a plain field: evaluated by n8n's expression engine, per item.
	customerId: '={{ $json.client.id }}',
	lines: '={{ $json.positions }}',
};

function ownInvoice(n: number, total: string | number, ccy = 'EUR', client = 'C-100'): IDataObject {
	return {
		idempotencyKey: `OWN-${n}`,
		'Invoice No': `OWN-${n}`,
		docDate: '2026-11-24',
		ccy,
		total,
		client: { id: client },
		positions: [{ description: 'Consulting', quantity: 1, unitPrice: total }],
	};
}

const FAST = { initialDelayMs: 20, maxDelayMs: 200, requestTimeoutMs: 2000 };

describe('Invoice Fields: own field names, exact amounts', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['infor', 'erply'], seed: 9 });
	});
	afterAll(async () => await sandbox?.stop());
	beforeEach(() => {
		clearRegistry();
		sandbox.reset();
	});

	test('Infor: mapped fields reach the ERP; amounts exact per currency (JPY 0, EUR 2, KWD 3 decimals); the rest refused by item', async () => {
		const digits400 = `1${'0'.repeat(399)}`;
		const input = [
			ownInvoice(1, '1250.50'),
			ownInvoice(2, 1500, 'JPY'),
			ownInvoice(3, '12.345', 'KWD'),
			ownInvoice(4, '12.345'),
			ownInvoice(5, digits400),
			ownInvoice(6, '123456789012345.67'),
			ownInvoice(7, '1500.5', 'JPY'),
			ownInvoice(8, 0.1 + 0.2),
		];

		const run = await runWorkflow({
			workflow: postWorkflow('inforIcs', 'inforIonApi', { ...FAST, batchSize: 5 }, { invoiceFields: OWN_FIELDS }),
			input,
			credentials: inforCredentials(sandbox),
		});

		expect(run.error).toBeUndefined();
		const out = routed(run);
		expect(out.posted.map((item) => item.json.idempotencyKey)).toEqual(['OWN-1', 'OWN-2', 'OWN-3']);
		expect(failureReasons(out.failed)).toEqual([
			'Amount ($json.total) has 3 decimals (12.345); EUR allows 2 [item 3]',
			expect.stringMatching(/^Amount \(\$json\.total\) has 400 significant digits \(1000.*…\); at most 15 can be sent exactly \[item 4\]$/),
			'Amount ($json.total) has 17 significant digits (123456789012345.67); at most 15 can be sent exactly [item 5]',
			'Amount ($json.total) has 1 decimal (1500.5); JPY allows 0 [item 6]',
			// A float sum (0.1 + 0.2) is not the decimal anyone meant: refused, not rounded.
			'Amount ($json.total) has 17 decimals (0.30000000000000004); EUR allows 2 [item 7]',
		]);
		const stored = sandbox.truth('infor').invoices.map((invoice) => invoice.raw);
		expect(stored.map((raw) => [raw.invoiceNumber, raw.invoiceDate, raw.currency, raw.amount, raw.customerId])).toEqual([
			['OWN-1', '2026-11-24', 'EUR', 1250.5, 'C-100'],
			['OWN-2', '2026-11-24', 'JPY', 1500, 'C-100'],
			['OWN-3', '2026-11-24', 'KWD', 12.345, 'C-100'],
		]);
		expect(stored[0].lines).toEqual([{ description: 'Consulting', quantity: 1, unitPrice: 1250.5 }]);
		// Output items keep the user's own JSON (nothing renamed into it).
		expect(out.posted[0].json).toMatchObject({ 'Invoice No': 'OWN-1', total: '1250.50' });
		expect(out.posted[0].json).not.toHaveProperty('invoiceNumber');
	});

	test('Erply: the same mapping posts a sales document with the exact amount; 400 digits is refused, not sent as Infinity', async () => {
		const input = [ownInvoice(1, '99.90', 'EUR', '17'), ownInvoice(2, `9${'9'.repeat(399)}`, 'EUR', '17'), ownInvoice(3, '0.05', 'EUR', '17')];
		const credentials = new TestCredentialsHelper({
			erplyApi: { clientCode: 'sandbox', username: 'demo', password: 'demo-password', baseUrl: `${sandbox.urls.erply}/api/` },
		});

		const run = await runWorkflow({ workflow: postWorkflow('erply', 'erplyApi', FAST, { invoiceFields: OWN_FIELDS }), input, credentials });

		expect(run.error).toBeUndefined();
		const out = routed(run);
		expect(out.posted.map((item) => item.json.idempotencyKey)).toEqual(['OWN-1', 'OWN-3']);
		expect(failureReasons(out.failed)).toEqual([expect.stringMatching(/^Amount \(\$json\.total\) has 400 significant digits .* \[item 1\]$/)]);
		const stored = sandbox.truth('erply').invoices;
		expect(stored.map((invoice) => [invoice.invoiceNumber, invoice.amount])).toEqual([
			['OWN-1', 99.9],
			['OWN-3', 0.05],
		]);
		expect(JSON.stringify(stored)).not.toMatch(/Infinity|null/);
	});

	test('through Batch Splitter: field mappings apply to each invoice of a batch; an expression mapping is refused per invoice, saying why', async () => {
		const workflow = (invoiceFields: IDataObject) =>
			chain([
				node('Batch Splitter', 'batchSplitter', { mode: 'fixedSize', batchSize: 2, outputFormat: 'batchItems' }),
				node('Post', 'idempotentInvoicePost', { erp: 'inforIcs', invoiceFields, options: FAST }, { inforIonApi: { id: 'cred-infor', name: 'Infor' } }),
			]);
		const input = [ownInvoice(1, '10.00'), ownInvoice(2, '20.00'), ownInvoice(3, '30.00')].map((invoice) => ({ ...invoice, customer: 'C-7' }));

		const plain = await runWorkflow({ workflow: workflow({ ...OWN_FIELDS, customerId: '={{ $json.customer }}' }), input, credentials: inforCredentials(sandbox) });
		expect(routed(plain).posted).toHaveLength(3);
		expect(sandbox.truth('infor').invoices.map((invoice) => [invoice.raw.invoiceNumber, invoice.raw.amount, invoice.raw.customerId])).toEqual([
			['OWN-1', 10, 'C-7'],
			['OWN-2', 20, 'C-7'],
			['OWN-3', 30, 'C-7'],
		]);

		sandbox.reset();
		clearRegistry();
		const withExpression = await runWorkflow({ workflow: workflow(OWN_FIELDS), input, credentials: inforCredentials(sandbox) });
		expect(routed(withExpression).posted).toEqual([]);
		expect(failureReasons(routed(withExpression).failed)[0]).toMatch(
			/^Customer ID is an expression, which cannot be applied to each invoice of a Batch Splitter batch \[item 0\] \(invoice 0 of batch /,
		);
		expect(sandbox.truth('infor').invoices).toEqual([]);
	});
});
