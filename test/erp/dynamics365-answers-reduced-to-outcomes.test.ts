import { dynamics365Adapter } from '../../nodes/shared/erp/dynamics365/adapter';
import { fail, respond } from './erply-freeagent-fake-transport';

const classify = dynamics365Adapter.classify;
const odataError = (code: string, message: string) => ({ error: { code, message } });

describe('a Dataverse answer becomes one outcome the Post node acts on', () => {
	it('a 201 with the representation is created with the record GUID', () => {
		const result = classify(respond(201, { vendorinvoiceid: 'a1b2', InvoiceNumber: 'INV-1' }));
		expect(result).toMatchObject({ outcome: 'created', erpId: 'a1b2', httpStatus: 201, response: { id: 'a1b2', number: 'INV-1' } });
	});

	it('a 204 is created with the GUID parsed from OData-EntityId', () => {
		const result = classify(
			respond(204, undefined, { 'odata-entityid': 'https://org.crm.dynamics.com/api/data/v9.2/VendorInvoices(5a9d0000-0000-4000-8000-000000000007)' }),
		);
		expect(result).toMatchObject({ outcome: 'created', erpId: '5a9d0000-0000-4000-8000-000000000007' });
	});

	it('a success naming no record must be verified, not trusted', () => {
		expect(classify(respond(204)).outcome).toBe('ambiguous');
	});

	it.each([
		['the seed’s 409 DuplicateRecord', 409, 'DuplicateRecord', 'Invoice INV-2024-001 already exists'],
		['412 on the alternate key (If-None-Match: *)', 412, '0x80060892', 'A record with matching key values already exists.'],
		['0x80040237 duplicate key, whatever the status', 400, '0x80040237', 'Cannot insert duplicate key.'],
		['0x80060892 duplicate entity key', 400, '0x80060892', 'Duplicate entity key'],
		['0x80040333 from a duplicate-detection rule, sent as HTTP 500', 500, '0x80040333', 'A record was not created or updated because a duplicate of the current record already exists.'],
	])('%s → exists, with Dataverse’s message', (_story, status, code, message) => {
		const result = classify(respond(status, odataError(code, message)));
		expect(result.outcome).toBe('exists');
		expect(result.message).toContain(message);
		expect(result.httpStatus).toBe(status);
	});

	it('429 is retryable after the seconds Retry-After names', () => {
		const result = classify(respond(429, odataError('0x80072322', 'Number of requests exceeded the limit'), { 'retry-after': '7' }));
		expect(result).toMatchObject({ outcome: 'retryable', retryAfterMs: 7000 });
		expect(result.message).toContain('Number of requests exceeded the limit');
	});

	it('429 with an HTTP-date Retry-After waits until that date', () => {
		const at = new Date(Date.now() + 20_000).toUTCString();
		const result = classify(respond(429, undefined, { 'retry-after': at }));
		expect(result.outcome).toBe('retryable');
		expect(result.retryAfterMs).toBeGreaterThan(15_000);
		expect(result.retryAfterMs).toBeLessThanOrEqual(20_000);
	});

	it.each([500, 502, 503, 504])('%i on a create may have committed → ambiguous', (status) => {
		expect(classify(respond(status, odataError('0x80040216', 'An unexpected error occurred.'))).outcome).toBe('ambiguous');
	});

	it.each([
		[400, '0x80048d19', 'Error identified in Payload provided by the user'],
		[401, '', ''],
		[403, '0x80040220', 'Principal user is missing prvCreateVendorInvoice privilege'],
		[404, '0x80040217', 'Resource not found for the segment VendorInvoicez'],
	])('%i is permanent and carries the ERP’s message', (status, code, message) => {
		const result = classify(respond(status, code ? odataError(code, message) : undefined));
		expect(result.outcome).toBe('permanent');
		expect(result.message).toContain(message || `HTTP ${status}`);
	});

	it('a timeout after sending is ambiguous; a refused connection is retryable', () => {
		expect(classify(fail('timeout', true)).outcome).toBe('ambiguous');
		expect(classify(fail('reset', true)).outcome).toBe('ambiguous');
		expect(classify(fail('refused', false)).outcome).toBe('retryable');
	});
});
