import { mendixAdapter } from '../../nodes/shared/erp/mendix/adapter';
import { ErpLookupError, type PostAttempt } from '../../nodes/shared/erp/types';
import { FakeTransport, context, fail, respond } from './erply-freeagent-fake-transport';

const credentials = { baseUrl: 'https://invoices-app.mendixcloud.com/' };
const attempt: PostAttempt = {
	key: 'robot-42',
	reference: 'REF-42',
	invoice: { invoiceNumber: 'INV-42', transactionId: 'TX-42', invoiceDate: '2024-03-01', currency: 'EUR', amount: 42, customerId: 'C-1' },
};
const hint = { lookbackDays: 30 };

describe('posting to a Mendix REST service', () => {
	it('POSTs to {service path}/invoices with the robot’s transactionId', async () => {
		const transport = FakeTransport.sequence(respond(201, { status: 'success', invoiceId: '7', message: 'Invoice INV-42 created' }));
		const result = await mendixAdapter.create(context(transport, credentials), attempt);
		expect(transport.requests[0]).toMatchObject({
			method: 'POST',
			url: 'https://invoices-app.mendixcloud.com/rest/invoices/v1/invoices',
			body: { invoiceNumber: 'INV-42', transactionId: 'TX-42', externalReference: 'REF-42', amount: 42, currency: 'EUR', invoiceDate: '2024-03-01', customerId: 'C-1' },
		});
		expect(result).toMatchObject({ outcome: 'created', erpId: '7', response: { status: 'success', invoiceId: '7', message: 'Invoice INV-42 created' } });
	});

	it('without a transactionId the reference is the unique key; the service path is configurable', async () => {
		const transport = FakeTransport.sequence(respond(201, { status: 'success', invoiceId: 8 }));
		const { transactionId: _dropped, ...invoice } = attempt.invoice;
		await mendixAdapter.create(context(transport, credentials, { servicePath: 'rest/ap/v2/' }), { ...attempt, invoice });
		expect(transport.requests[0].url).toBe('https://invoices-app.mendixcloud.com/rest/ap/v2/invoices');
		expect(transport.requests[0].body).toMatchObject({ transactionId: 'REF-42' });
	});

	it.each([
		['201 → created', respond(201, { status: 'success', invoiceId: '1' }), 'created', '1'],
		['200 with the existing invoice → exists with its id', respond(200, { status: 'success', invoiceId: '1', message: 'already exists' }), 'exists', '1'],
		['409 from the unique constraint → exists, id by lookup', respond(409, { error: { code: 409, message: 'transactionId already exists' } }), 'exists', undefined],
		['500 unhandled microflow exception → ambiguous', respond(500, { error: { code: 500, message: 'An error has occurred while handling the request.' } }), 'ambiguous', undefined],
		['503 → ambiguous (a microflow may have run)', respond(503), 'ambiguous', undefined],
		['429 → retryable', respond(429, { error: { message: 'Too many requests' } }, { 'retry-after': '2' }), 'retryable', undefined],
		['400 validation → permanent', respond(400, { error: { code: 400, message: 'amount must be a number' } }), 'permanent', undefined],
		['401 → permanent', respond(401, { error: { code: 401, message: 'Unauthorized' } }), 'permanent', undefined],
		['a 2xx reporting an error → permanent', respond(200, { status: 'error', message: 'Customer C-1 is blocked' }), 'permanent', undefined],
		['a 201 naming no invoice → ambiguous', respond(201, { status: 'success' }), 'ambiguous', undefined],
		['timeout after sending → ambiguous', fail('timeout', true), 'ambiguous', undefined],
		['connection refused → retryable', fail('refused', false), 'retryable', undefined],
	])('%s', async (_story, answer, outcome, erpId) => {
		const result = await mendixAdapter.create(context(FakeTransport.sequence(answer), credentials), attempt);
		expect(result.outcome).toBe(outcome);
		expect(result.erpId).toBe(erpId);
	});

	it('carries the service’s own error text', async () => {
		const result = await mendixAdapter.create(context(FakeTransport.sequence(respond(400, { error: { message: 'amount must be a number' } })), credentials), attempt);
		expect(result.message).toBe('amount must be a number');
		expect(mendixAdapter.classify(respond(429, undefined, { 'retry-after': '2' })).retryAfterMs).toBe(2000);
	});

	it('looks each reference up by its transactionId and answers for every reference', async () => {
		const transport = new FakeTransport((request) =>
			respond(200, request.qs?.transactionId === 'TX-42' ? [{ invoiceId: '7', invoiceNumber: 'INV-42', transactionId: 'TX-42' }] : []),
		);
		const found = await mendixAdapter.findByReferences(context(transport, credentials), ['REF-42', "O'Brien & Co #5 Zürich"], {
			...hint,
			invoices: new Map([['REF-42', attempt.invoice]]),
		});
		expect(transport.requests.map((request) => request.qs)).toEqual([{ transactionId: 'TX-42' }, { transactionId: "O'Brien & Co #5 Zürich" }]);
		expect(found.get('REF-42')).toEqual([{ reference: 'REF-42', erpId: '7', invoiceNumber: 'INV-42', invoiceDate: undefined, amount: undefined }]);
		expect(found.get("O'Brien & Co #5 Zürich")).toEqual([]);
	});

	it('a service that ignores the filter does not make every invoice a match', async () => {
		const transport = FakeTransport.sequence(respond(200, [{ invoiceId: '1', transactionId: 'OTHER' }]));
		const found = await mendixAdapter.findByReferences(context(transport, credentials), ['REF-1'], hint);
		expect(found.get('REF-1')).toEqual([]);
	});

	it.each([
		['a 500', respond(500), true],
		['a 401', respond(401), false],
		['a timeout', fail('timeout', true), true],
		['an answer that is no list', respond(200, { status: 'success' }), false],
	])('%s on a lookup means "cannot tell"', async (_story, answer, retryable) => {
		const lookup = mendixAdapter.findByReferences(context(FakeTransport.sequence(answer), credentials), ['REF-1'], hint);
		await expect(lookup).rejects.toThrow(ErpLookupError);
		await expect(lookup).rejects.toMatchObject({ retryable });
	});

	it('declares the unique transactionId and no batch call', () => {
		expect(mendixAdapter.capabilities(context(FakeTransport.sequence(), credentials))).toEqual({ nativeUniqueness: true, settleMs: 60_000, lookupChunkSize: 20 });
		expect(mendixAdapter.createBatch).toBeUndefined();
	});
});
