import { freeAgentAdapter } from '../../nodes/shared/erp/freeAgent/adapter';
import type { PostAttempt } from '../../nodes/shared/erp/types';
import { context, FakeTransport, respond } from './erply-freeagent-fake-transport';

const attempt: PostAttempt = {
	key: 'acme-2024-05-01-INV-7',
	reference: 'INV-7',
	invoice: {
		invoiceNumber: 'INV-7',
		invoiceDate: '2024-05-01T09:30:00Z',
		dueDate: '2024-05-31',
		currency: 'GBP',
		amount: 25,
		contactUrl: 'https://api.sandbox.freeagent.com/v2/contacts/42',
		lines: [
			{ description: 'Consulting', quantity: 2, unitPrice: 10 },
			{ description: 'Travel', quantity: 1, unitPrice: 5 },
		],
	},
};

const created = respond(201, { invoice: { url: 'https://api.sandbox.freeagent.com/v2/invoices/9', reference: 'INV-7', status: 'Draft' } });

describe('a FreeAgent user posts an invoice', () => {
	it('sends the attempt reference, the mapped lines and a User-Agent, and gets the invoice URL as id', async () => {
		const transport = FakeTransport.sequence(created);
		const result = await freeAgentAdapter.create(context(transport, { environment: 'sandbox' }), attempt);

		expect(result).toMatchObject({ outcome: 'created', erpId: 'https://api.sandbox.freeagent.com/v2/invoices/9', httpStatus: 201 });
		expect(result.response).toEqual({ id: 'https://api.sandbox.freeagent.com/v2/invoices/9', reference: 'INV-7', status: 'Draft' });
		const [request] = transport.requests;
		expect(request.method).toBe('POST');
		expect(request.url).toBe('https://api.sandbox.freeagent.com/v2/invoices');
		expect(request.headers?.['User-Agent']).toBe('n8n-nodes-idempotent-invoice');
		expect(request.body).toEqual({
			invoice: {
				contact: 'https://api.sandbox.freeagent.com/v2/contacts/42',
				dated_on: '2024-05-01',
				due_on: '2024-05-31',
				payment_terms_in_days: 30,
				reference: 'INV-7',
				currency: 'GBP',
				invoice_items: [
					{ item_type: 'Services', quantity: '2', price: '10', description: 'Consulting' },
					{ item_type: 'Services', quantity: '1', price: '5', description: 'Travel' },
				],
			},
		});
	});

	it('refuses an item whose erpFields would replace the reference, naming the field, and sends nothing', async () => {
		const transport = FakeTransport.sequence(created);
		const ctx = context(transport, { environment: 'custom', baseUrl: 'http://127.0.0.1:9999/freeagent/' }, {});
		const result = await freeAgentAdapter.create(ctx, { ...attempt, invoice: { ...attempt.invoice, erpFields: { comments: 'PO 17', reference: 'OTHER' } } });
		expect(result).toMatchObject({ outcome: 'permanent', message: expect.stringContaining('erpFields.reference') });
		expect(transport.requests).toHaveLength(0);
	});

	it('uses the node settings and adds erpFields', async () => {
		const transport = FakeTransport.sequence(created);
		const ctx = context(
			transport,
			{ environment: 'custom', baseUrl: 'http://127.0.0.1:9999/freeagent/' },
			{ itemType: 'Hours', paymentTermsInDays: 14, userAgent: 'Acme finance bot' },
		);
		await freeAgentAdapter.create(ctx, {
			...attempt,
			invoice: { ...attempt.invoice, lines: undefined, contactUrl: undefined, customerId: '42', erpFields: { comments: 'PO 17' } },
		});

		const [request] = transport.requests;
		expect(request.url).toBe('http://127.0.0.1:9999/freeagent/v2/invoices');
		expect(request.headers?.['User-Agent']).toBe('Acme finance bot');
		const body = (request.body as { invoice: Record<string, unknown> }).invoice;
		expect(body.contact).toBe('http://127.0.0.1:9999/freeagent/v2/contacts/42');
		expect(body.payment_terms_in_days).toBe(14);
		expect(body.comments).toBe('PO 17');
		expect(body.reference).toBe('INV-7');
		// Without lines the invoice total becomes one line.
		expect(body.invoice_items).toEqual([{ item_type: 'Hours', quantity: '1', price: '25', description: 'INV-7' }]);
	});

	it('posts to the production host by default and passes the idempotency header on', async () => {
		const transport = FakeTransport.sequence(created);
		await freeAgentAdapter.create(context(transport, {}), {
			...attempt,
			idempotencyHeader: { name: 'Idempotency-Key', value: '"acme-2024-05-01-INV-7"' },
		});
		expect(transport.requests[0].url).toBe('https://api.freeagent.com/v2/invoices');
		expect(transport.requests[0].headers?.['Idempotency-Key']).toBe('"acme-2024-05-01-INV-7"');
	});

	it('fails clearly, without calling FreeAgent, when the invoice names no contact', async () => {
		const transport = FakeTransport.sequence();
		const result = await freeAgentAdapter.create(context(transport, {}), {
			...attempt,
			invoice: { ...attempt.invoice, contactUrl: undefined },
		});
		expect(result.outcome).toBe('permanent');
		expect(result.message).toMatch(/contact/);
		expect(transport.requests).toHaveLength(0);
	});

	it('is posted one at a time and needs no lookup before the first post', () => {
		const capabilities = freeAgentAdapter.capabilities(context(FakeTransport.sequence(), {}));
		expect(capabilities).toMatchObject({ maxConcurrency: 1, nativeUniqueness: true });
		expect(capabilities.lookupChunkSize).toBeGreaterThanOrEqual(1000);
	});
});
