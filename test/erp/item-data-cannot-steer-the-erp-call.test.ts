/**
 * Issue: item data chose the ERP call — `erpFields` replaced protocol fields (Erply's `request`, the
 * reference the lookup depends on, Mendix's unique transactionId), a reference like `..` escaped
 * `/invoices/{reference}` and the API root's answer counted as "found", and Infor failed on a
 * non-ASCII key in X-Correlation-ID. Each ERP: the item is refused naming the field, nothing is sent,
 * and items that only add fields still go out.
 */
import type { IDataObject } from 'n8n-workflow';

import { erpEntry } from '../../nodes/shared/erp/registry';
import type { ErpContext, ErpName, HttpRequest, HttpResult, PostAttempt } from '../../nodes/shared/erp/types';

const IONAPI = JSON.stringify({ ti: 'ACME', ci: 'c', cs: 's', iu: 'https://gw.example.test', pu: 'https://gw.example.test/as/', ot: 'token.oauth2' });
const CREDENTIALS: Record<ErpName, IDataObject> = {
	inforIcs: { ionapiFile: IONAPI },
	dynamics365: { environmentUrl: 'https://org.crm.example.test' },
	freeAgent: { environment: 'custom', baseUrl: 'https://fa.example.test' },
	erply: { clientCode: '1', username: 'u', password: 'p', sessionKey: 's', baseUrl: 'https://erply.example.test/api/' },
	mendix: { baseUrl: 'https://mx.example.test' },
	genericRest: { baseUrl: 'https://erp.example.test/api', authType: 'none' },
};

function fake(erp: ErpName, settings: IDataObject = {}, answer: (request: HttpRequest) => HttpResult = () => ({ kind: 'response', status: 500, headers: {}, body: undefined })) {
	const sent: HttpRequest[] = [];
	const ctx: ErpContext = {
		transport: { send: async (request) => (sent.push(request), answer(request)) },
		credentials: CREDENTIALS[erp],
		settings,
		requestTimeoutMs: 1000,
	};
	return { ctx, sent, adapter: erpEntry(erp)!.adapter };
}

function attempt(erpFields?: IDataObject, overrides: Partial<PostAttempt> = {}): PostAttempt {
	return {
		key: 'acme-INV-1',
		reference: 'REF-1',
		invoice: { invoiceNumber: 'INV-1', invoiceDate: '2026-03-01', currency: 'EUR', amount: 10, customerId: 'C1', vendorAccount: 'V1', transactionId: 'T-1', erpFields },
		...overrides,
	};
}

/** Per ERP: protocol fields an item must not replace (the reference the lookup reads, unique keys, the call itself). */
const PROTECTED: Array<[ErpName, string[]]> = [
	['inforIcs', ['externalReference', 'ExternalReference', 'invoiceNumber', 'currency', 'amount', 'id']],
	['dynamics365', ['ExternalReference', 'externalreference', 'VendorAccount', 'InvoiceNumber', 'vendorinvoiceid', 'Amount', '@odata.id']],
	['freeAgent', ['reference', 'contact', 'url', 'currency']],
	['erply', ['request', 'customReferenceNumber', 'temporaryUUID', 'id', 'clientCode', 'sessionKey', 'invoiceNo']],
	['mendix', ['transactionId', 'externalReference', 'invoiceNumber', 'invoiceId', 'amount']],
	['genericRest', ['externalReference', 'invoiceNumber', 'amount']],
];

describe('erpFields add fields, never replace one', () => {
	describe.each(PROTECTED)('%s', (erp, fields) => {
		it.each(fields)('erpFields.%s refuses the item by name and sends nothing', async (field) => {
			const { ctx, sent, adapter } = fake(erp);
			const result = await adapter.create(ctx, attempt({ note: 'fine', [field]: 'HIJACK' }));
			expect(result).toMatchObject({ outcome: 'permanent', message: expect.stringContaining(`erpFields.${field} is refused`) });
			expect(sent).toHaveLength(0);
		});

		it('erpFields that only add a field are sent', async () => {
			const { ctx, sent, adapter } = fake(erp);
			await adapter.create(ctx, attempt({ costCentre: 'CC-7' }));
			expect(sent).toHaveLength(1);
			expect(JSON.stringify(sent[0].body)).toContain('CC-7');
		});

		it('__proto__ in erpFields is refused, never merged into the body\'s prototype', async () => {
			const { ctx, sent, adapter } = fake(erp);
			const erpFields = JSON.parse('{"__proto__": {"request": "deleteSalesDocument"}}') as IDataObject;
			const result = await adapter.create(ctx, attempt(erpFields));
			expect(result).toMatchObject({ outcome: 'permanent', message: expect.stringContaining('erpFields.__proto__') });
			expect(sent).toHaveLength(0);
		});
	});

	it('Erply: an item cannot turn the save into another API call (the issue\'s deleteSalesDocument)', async () => {
		const { ctx, sent, adapter } = fake('erply');
		const result = await adapter.create(ctx, attempt({ request: 'deleteSalesDocument', documentID: '77' }));
		expect(result.message).toContain('erpFields.request');
		expect(sent).toHaveLength(0);
	});

	it('the generic body template: erpFields cannot replace what the template fills, nor the reference field it left out', async () => {
		const template = JSON.stringify({ doc: { ref: '{reference}' }, total: '{invoice.amount}' });
		for (const field of ['doc', 'total', 'externalReference']) {
			const { ctx, sent, adapter } = fake('genericRest', { bodyTemplate: template });
			expect((await adapter.create(ctx, attempt({ [field]: 'X' }))).message).toContain(`erpFields.${field}`);
			expect(sent).toHaveLength(0);
		}
	});

	it.each<[ErpName, IDataObject]>([
		['inforIcs', {}],
		['dynamics365', {}],
	])('%s batch: a refused item stays out of the call, the others are posted', async (erp, settings) => {
		const { ctx, sent, adapter } = fake(erp, settings);
		const attempts = [attempt(), attempt({ externalReference: 'X', ExternalReference: 'X' }, { key: 'k2', reference: 'REF-2' }), attempt(undefined, { key: 'k3', reference: 'REF-3' })];
		const results = await adapter.createBatch!(ctx, attempts);
		expect(results[1]).toMatchObject({ outcome: 'permanent', message: expect.stringContaining('is refused') });
		expect(results[0].outcome).not.toBe('permanent');
		expect(results[2].outcome).not.toBe('permanent');
		expect(sent).toHaveLength(1);
		const body = typeof sent[0].body === 'string' ? sent[0].body : JSON.stringify(sent[0].body);
		expect(body).toContain('REF-1');
		expect(body).toContain('REF-3');
		expect(body).not.toContain('REF-2');
	});
});

describe('references that are paths (generic REST, /invoices/{reference})', () => {
	const pathSettings = { lookupPath: '/invoices/{reference}' };

	it.each(['.', '..', '%2e', '%2E%2e', '../admin', 'a/b', 'a\\b', 'a?b=1', 'a#b', '%2fetc', 'a\nb'])('"%s" is refused per item before anything is sent', async (reference) => {
		const { ctx, sent, adapter } = fake('genericRest', pathSettings);
		const result = await adapter.create(ctx, attempt(undefined, { reference }));
		expect(result).toMatchObject({ outcome: 'permanent', message: expect.stringContaining('cannot go into the URL path') });
		const found = await adapter.findByReferences(ctx, [reference], { lookbackDays: 30 });
		expect(found.get(reference)).toEqual([]);
		expect(sent).toHaveLength(0);
	});

	it('the same references are fine when the reference goes in the query', async () => {
		const { ctx, sent, adapter } = fake('genericRest', {}, () => ({ kind: 'response', status: 201, headers: {}, body: { id: 'G1' } }));
		expect(await adapter.create(ctx, attempt(undefined, { reference: '..' }))).toMatchObject({ outcome: 'created' });
		expect(sent).toHaveLength(1);
	});

	it('a lookup answer without the reference field (the API root, another resource) is neither "found" nor "absent"', async () => {
		// "Absent" would let the invoice be posted again although the ERP may hold it: the lookup cannot tell.
		const { ctx, adapter } = fake('genericRest', pathSettings, () => ({ kind: 'response', status: 200, headers: {}, body: { id: 'root', name: 'Invoice API v1' } }));
		await expect(adapter.findByReferences(ctx, ['REF-1'], { lookbackDays: 30 })).rejects.toThrow(/no "externalReference" field/);
	});

	it('a lookup answer with the reference is found, with what the engine compares', async () => {
		const record = { id: 'G9', externalReference: 'REF-1', invoiceNumber: 'INV-1', invoiceDate: '2026-03-01', amount: 10, currency: 'EUR', customerId: 'C1' };
		const { ctx, adapter } = fake('genericRest', pathSettings, () => ({ kind: 'response', status: 200, headers: {}, body: record }));
		expect((await adapter.findByReferences(ctx, ['REF-1'], { lookbackDays: 30 })).get('REF-1')).toEqual([
			{ reference: 'REF-1', erpId: 'G9', invoiceNumber: 'INV-1', invoiceDate: '2026-03-01', amount: 10, currency: 'EUR', party: 'C1' },
		]);
	});
});

describe('headers from keys', () => {
	it.each([
		['ключ-🔑-1', Buffer.from('ключ-🔑-1', 'utf8').toString('base64url')],
		['a\r\nX-Injected: 1', Buffer.from('a\r\nX-Injected: 1', 'utf8').toString('base64url')],
		['acme-INV-1', 'acme-INV-1'],
	])('Infor X-Correlation-ID for key %j is a safe token', async (key, expected) => {
		const { ctx, sent, adapter } = fake('inforIcs');
		await adapter.create(ctx, attempt(undefined, { key }));
		expect(sent[0].headers?.['X-Correlation-ID']).toBe(expected);
		expect(sent[0].headers?.['X-Correlation-ID']).toMatch(/^[\x21-\x7e]+$/);
	});
});
