import { dynamics365Adapter } from '../../nodes/shared/erp/dynamics365/adapter';
import type { PostAttempt } from '../../nodes/shared/erp/types';
import { FakeTransport, context, respond } from './erply-freeagent-fake-transport';

const credentials = { environmentUrl: 'https://contoso.crm.dynamics.com' };
const attempt: PostAttempt = {
	key: 'ACME-2024-03-01-INV-1',
	reference: "O'Brien & Co #5 Zürich",
	invoice: {
		invoiceNumber: "INV/1 (O'B)",
		vendorAccount: 'V 001',
		invoiceDate: '2024-03-01',
		dueDate: '2024-03-31',
		currency: 'EUR',
		amount: 99.5,
		erpFields: { 'new_costcenter@odata.bind': '/new_costcenters(42)' },
	},
	idempotencyHeader: { name: 'Idempotency-Key', value: '"ACME-2024-03-01-INV-1"' },
};

describe('posting one invoice to Dataverse', () => {
	it('POSTs the mapped record asking for its representation and for duplicate detection', async () => {
		const transport = FakeTransport.sequence(respond(201, { vendorinvoiceid: 'g-9' }));
		const result = await dynamics365Adapter.create(context(transport, credentials), attempt);

		const [request] = transport.requests;
		expect(request).toMatchObject({ method: 'POST', url: 'https://contoso.crm.dynamics.com/api/data/v9.2/VendorInvoices' });
		expect(request.headers).toMatchObject({
			Prefer: 'return=representation',
			'MSCRM.SuppressDuplicateDetection': 'false',
			'Idempotency-Key': '"ACME-2024-03-01-INV-1"',
		});
		expect(request.body).toEqual({
			VendorAccount: 'V 001',
			InvoiceNumber: "INV/1 (O'B)",
			ExternalReference: "O'Brien & Co #5 Zürich",
			InvoiceDate: '2024-03-01',
			DueDate: '2024-03-31',
			Amount: 99.5,
			Currency: 'EUR',
			'new_costcenter@odata.bind': '/new_costcenters(42)',
		});
		expect(result).toMatchObject({ outcome: 'created', erpId: 'g-9' });
	});

	it('uses the configured entity set, columns and API path; an emptied currency column is not sent', async () => {
		const transport = FakeTransport.sequence(respond(201, { new_invoiceid: 'g-1' }));
		const settings = {
			apiPath: '/api/data/v9.1/',
			entitySet: 'new_vendorinvoices',
			idField: 'new_invoiceid',
			referenceField: 'new_externalref',
			currencyField: '',
			duplicateDetection: false,
		};
		const result = await dynamics365Adapter.create(context(transport, credentials, settings), attempt);
		const [request] = transport.requests;
		expect(request.url).toBe('https://contoso.crm.dynamics.com/api/data/v9.1/new_vendorinvoices');
		expect(request.body).toMatchObject({ new_externalref: "O'Brien & Co #5 Zürich" });
		expect(request.body).not.toHaveProperty('Currency');
		expect(request.headers).not.toHaveProperty('MSCRM.SuppressDuplicateDetection');
		expect(result.erpId).toBe('g-1');
	});

	it('with the alternate key, creates only if absent and reads the existing id after a 412', async () => {
		const transport = FakeTransport.sequence(
			respond(412, { error: { code: '0x80060892', message: 'A record with matching key values already exists.' } }),
			respond(200, { vendorinvoiceid: 'g-existing' }),
		);
		const result = await dynamics365Adapter.create(context(transport, credentials, { useAlternateKey: true }), attempt);

		const keyUrl = "https://contoso.crm.dynamics.com/api/data/v9.2/VendorInvoices(VendorAccount='V%20001',InvoiceNumber='INV%2F1%20(O''B)')";
		expect(transport.requests[0]).toMatchObject({ method: 'PATCH', url: keyUrl });
		expect(transport.requests[0].headers).toMatchObject({ 'If-None-Match': '*' });
		expect(transport.requests[1]).toMatchObject({ method: 'GET', url: `${keyUrl}?$select=vendorinvoiceid` });
		expect(result).toMatchObject({ outcome: 'exists', erpId: 'g-existing', httpStatus: 412 });
	});

	it('reports native uniqueness only when the table refuses duplicates itself', () => {
		const capabilities = (settings: Record<string, boolean>) =>
			dynamics365Adapter.capabilities(context(FakeTransport.sequence(), credentials, settings));
		// Dataverse ships no duplicate rule for an invoice table: only an alternate key is uniqueness.
		expect(capabilities({})).toMatchObject({ nativeUniqueness: false, settleMs: 120_000, maxBatchSize: 1000, lookupChunkSize: 20 });
		expect(capabilities({ duplicateDetection: true }).nativeUniqueness).toBe(false);
		expect(capabilities({ duplicateDetection: false }).nativeUniqueness).toBe(false);
		expect(capabilities({ duplicateDetection: false, useAlternateKey: true }).nativeUniqueness).toBe(true);
	});

	it('a credential without an environment URL fails the invoice clearly, sending nothing', async () => {
		const transport = FakeTransport.sequence();
		const result = await dynamics365Adapter.create(context(transport, { environmentUrl: '' }), attempt);
		expect(result).toMatchObject({ outcome: 'permanent' });
		expect(result.message).toContain('Environment URL');
		expect(transport.requests).toHaveLength(0);
	});
});
