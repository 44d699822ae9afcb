import { dynamics365Adapter } from '../../nodes/shared/erp/dynamics365/adapter';
import type { PostAttempt } from '../../nodes/shared/erp/types';
import { FakeTransport, context, fail, respond } from './erply-freeagent-fake-transport';

const credentials = { environmentUrl: 'https://contoso.crm.dynamics.com/' };

function attempts(count: number): PostAttempt[] {
	return Array.from({ length: count }, (_, index) => ({
		key: `k-${index}`,
		reference: `REF-${index}`,
		invoice: { invoiceNumber: `INV-${index}`, vendorAccount: 'V001', invoiceDate: '2024-03-01', currency: 'EUR', amount: 100 + index },
	}));
}

/** A Dataverse-shaped multipart answer: one application/http part per status, optionally with Content-ID. */
function batchAnswer(parts: Array<{ status: number; body?: unknown; headers?: Record<string, string>; contentId?: number }>) {
	const boundary = 'batchresponse_4f1c';
	const text =
		parts
			.map((part) =>
				[
					`--${boundary}`,
					'Content-Type: application/http',
					'Content-Transfer-Encoding: binary',
					...(part.contentId ? [`Content-ID: ${part.contentId}`] : []),
					'',
					`HTTP/1.1 ${part.status} Reason`,
					...Object.entries(part.headers ?? {}).map(([name, value]) => `${name}: ${value}`),
					'',
					part.body === undefined ? '' : JSON.stringify(part.body),
				].join('\r\n'),
			)
			.join('\r\n') + `\r\n--${boundary}--\r\n`;
	return respond(200, text, { 'content-type': `multipart/mixed; boundary=${boundary}` });
}

describe('a Dataverse batch posts every invoice as its own part, so one duplicate fails only itself', () => {
	it('sends one $batch with independent parts, continue-on-error and no changeset', async () => {
		const transport = FakeTransport.sequence(batchAnswer([{ status: 204 }, { status: 204 }, { status: 204 }]));
		await dynamics365Adapter.createBatch!(context(transport, credentials), attempts(3));

		expect(transport.requests).toHaveLength(1);
		const request = transport.requests[0];
		expect(request.method).toBe('POST');
		expect(request.url).toBe('https://contoso.crm.dynamics.com/api/data/v9.2/$batch');
		expect(request.headers?.Prefer).toBe('odata.continue-on-error');
		const boundary = /boundary=(\S+)/.exec(request.headers!['Content-Type'])![1];
		const body = request.body as string;
		expect(body).not.toMatch(/changeset/i);
		expect(body.split(`--${boundary}\r\n`)).toHaveLength(4);
		expect(body.trimEnd().endsWith(`--${boundary}--`)).toBe(true);
		expect(body).toContain('POST https://contoso.crm.dynamics.com/api/data/v9.2/VendorInvoices HTTP/1.1');
		expect(body).toContain('"InvoiceNumber":"INV-2"');
		expect(body).toContain('"ExternalReference":"REF-2"');
		expect(body).toContain('Content-ID: 3');
	});

	it('reads each part’s status: created, duplicate, throttled, failed, invalid', async () => {
		const transport = FakeTransport.sequence(
			batchAnswer([
				{ status: 201, body: { vendorinvoiceid: 'id-0', InvoiceNumber: 'INV-0' }, contentId: 1 },
				{ status: 409, body: { error: { code: '0x80040237', message: 'Cannot insert duplicate key.' } }, contentId: 2 },
				{ status: 429, headers: { 'Retry-After': '3' }, body: { error: { code: '0x80072322', message: 'limit' } }, contentId: 3 },
				{ status: 500, body: { error: { code: '0x80040216', message: 'An unexpected error occurred.' } }, contentId: 4 },
				{ status: 400, body: { error: { code: '0x80048d19', message: 'Bad Amount' } }, contentId: 5 },
			]),
		);
		const results = await dynamics365Adapter.createBatch!(context(transport, credentials), attempts(5));
		expect(results.map((result) => result.outcome)).toEqual(['created', 'exists', 'retryable', 'ambiguous', 'permanent']);
		expect(results[0].erpId).toBe('id-0');
		expect(results[2].retryAfterMs).toBe(3000);
		expect(results[4].message).toContain('Bad Amount');
	});

	it('matches parts by Content-ID even when the answer comes in another order', async () => {
		const transport = FakeTransport.sequence(
			batchAnswer([
				{ status: 409, body: { error: { code: 'DuplicateRecord', message: 'dup' } }, contentId: 2 },
				{ status: 201, body: { vendorinvoiceid: 'id-0' }, contentId: 1 },
			]),
		);
		const results = await dynamics365Adapter.createBatch!(context(transport, credentials), attempts(2));
		expect(results.map((result) => result.outcome)).toEqual(['created', 'exists']);
	});

	it('an invoice the answer does not account for is ambiguous', async () => {
		const transport = FakeTransport.sequence(batchAnswer([{ status: 204, headers: { 'OData-EntityId': 'https://x/api/data/v9.2/VendorInvoices(id-0)' } }]));
		const results = await dynamics365Adapter.createBatch!(context(transport, credentials), attempts(3));
		expect(results.map((result) => result.outcome)).toEqual(['created', 'ambiguous', 'ambiguous']);
		expect(results[0].erpId).toBe('id-0');
	});

	it('a whole-call 5xx or timeout makes every invoice ambiguous', async () => {
		for (const answer of [respond(504), respond(500, { error: { code: '0x80040216', message: 'boom' } }), fail('timeout', true)]) {
			const results = await dynamics365Adapter.createBatch!(context(FakeTransport.sequence(answer), credentials), attempts(4));
			expect(results.map((result) => result.outcome)).toEqual(['ambiguous', 'ambiguous', 'ambiguous', 'ambiguous']);
		}
	});

	it('a whole-call 429 makes every invoice retryable after Retry-After', async () => {
		const transport = FakeTransport.sequence(respond(429, { error: { code: '0x80072322', message: 'limit' } }, { 'retry-after': '12' }));
		const results = await dynamics365Adapter.createBatch!(context(transport, credentials), attempts(3));
		expect(results.every((result) => result.outcome === 'retryable' && result.retryAfterMs === 12_000)).toBe(true);
	});

	it('a whole-call 400 without parts (malformed batch) is permanent with Dataverse’s message', async () => {
		const transport = FakeTransport.sequence(respond(400, { error: { code: '0x80048d19', message: 'The batch is malformed' } }));
		const results = await dynamics365Adapter.createBatch!(context(transport, credentials), attempts(2));
		expect(results.every((result) => result.outcome === 'permanent' && result.message!.includes('The batch is malformed'))).toBe(true);
	});

	it('with the alternate key every part is a conditional PATCH on vendor + invoice number', async () => {
		const transport = FakeTransport.sequence(batchAnswer([{ status: 412, body: { error: { code: '0x80060892', message: 'exists' } } }]));
		const results = await dynamics365Adapter.createBatch!(context(transport, credentials, { useAlternateKey: true }), attempts(1));
		const body = transport.requests[0].body as string;
		expect(body).toContain("PATCH https://contoso.crm.dynamics.com/api/data/v9.2/VendorInvoices(VendorAccount='V001',InvoiceNumber='INV-0') HTTP/1.1");
		expect(body).toContain('If-None-Match: *');
		expect(results[0].outcome).toBe('exists');
	});

	it('says so when the settings name a field that is not an OData identifier', async () => {
		const transport = FakeTransport.sequence();
		const results = await dynamics365Adapter.createBatch!(context(transport, credentials, { referenceField: "Ref eq 'x'" }), attempts(2));
		expect(transport.requests).toHaveLength(0);
		expect(results.every((result) => result.outcome === 'permanent' && result.message!.includes('referenceField'))).toBe(true);
	});
});
