import { dynamics365Adapter } from '../../nodes/shared/erp/dynamics365/adapter';
import { ErpLookupError, type HttpRequest } from '../../nodes/shared/erp/types';
import { FakeTransport, context, fail, respond } from './erply-freeagent-fake-transport';

const credentials = { environmentUrl: 'https://contoso.crm.dynamics.com' };
const hint = { lookbackDays: 30 };
const filterOf = (request: HttpRequest) => new URL(request.url).searchParams.get('$filter');

describe('Verify finds Dataverse invoices by reference, whatever characters the reference holds', () => {
	it('a reference with a quote, &, #, spaces and non-ASCII stays one literal and cannot inject', async () => {
		const reference = "O'Brien & Co #5 Zürich";
		const transport = FakeTransport.sequence(
			respond(200, { value: [{ vendorinvoiceid: 'g-1', ExternalReference: reference, InvoiceNumber: 'INV-7', InvoiceDate: '2024-03-01T00:00:00Z', Amount: 12.5, VendorAccount: 'V001', Currency: 'EUR' }] }),
		);
		const found = await dynamics365Adapter.findByReferences(context(transport, credentials), [reference], hint);

		const url = transport.requests[0].url;
		// Nothing of the reference is left raw in the URL: & and # would end the parameter or the URL.
		expect(url).not.toMatch(/[ #]|&(?!\$select)/);
		expect(filterOf(transport.requests[0])).toBe("ExternalReference eq 'O''Brien & Co #5 Zürich'");
		expect(found.get(reference)).toEqual([
			// Vendor and currency too, so the engine can tell a reused reference from this invoice.
			{ reference, erpId: 'g-1', invoiceNumber: 'INV-7', invoiceDate: '2024-03-01', amount: 12.5, party: 'V001', currency: 'EUR' },
		]);
		expect(new URL(url).searchParams.get('$select')?.split(',')).toEqual(expect.arrayContaining(['VendorAccount', 'Currency']));
	});

	it('an injection attempt is compared as a plain value', async () => {
		const transport = FakeTransport.sequence(respond(200, { value: [] }));
		await dynamics365Adapter.findByReferences(context(transport, credentials), ["x' or InvoiceNumber ne '"], hint);
		expect(filterOf(transport.requests[0])).toBe("ExternalReference eq 'x'' or InvoiceNumber ne '''");
	});

	it('asks in groups of at most 20 references joined by or, and answers for every reference', async () => {
		const references = Array.from({ length: 45 }, (_, index) => `R-${index}`);
		const transport = new FakeTransport((request) => {
			const asked = [...filterOf(request)!.matchAll(/'([^']*)'/g)].map((match) => match[1]);
			return respond(200, { value: asked.filter((ref) => ref.endsWith('7')).map((ref) => ({ vendorinvoiceid: `id-${ref}`, ExternalReference: ref })) });
		});
		expect(dynamics365Adapter.capabilities(context(transport, credentials)).lookupChunkSize).toBe(20);
		const found = await dynamics365Adapter.findByReferences(context(transport, credentials), references, hint);

		expect(transport.requests.map((request) => filterOf(request)!.split(' or ').length)).toEqual([20, 20, 5]);
		expect(found.size).toBe(45);
		expect(found.get('R-17')).toEqual([expect.objectContaining({ erpId: 'id-R-17' })]);
		expect(found.get('R-18')).toEqual([]);
	});

	it('follows @odata.nextLink and reports duplicates under their reference', async () => {
		const next = 'https://contoso.crm.dynamics.com/api/data/v9.2/VendorInvoices?$skiptoken=abc';
		const transport = FakeTransport.sequence(
			respond(200, { value: [{ vendorinvoiceid: 'a', ExternalReference: 'R-1' }], '@odata.nextLink': next }),
			respond(200, { value: [{ vendorinvoiceid: 'b', ExternalReference: 'R-1' }] }),
		);
		const found = await dynamics365Adapter.findByReferences(context(transport, credentials), ['R-1'], hint);
		expect(transport.requests[1].url).toBe(next);
		expect(found.get('R-1')!.map((invoice) => invoice.erpId)).toEqual(['a', 'b']);
	});

	it('never follows a next link to another host (the bearer token would go with it)', async () => {
		const transport = FakeTransport.sequence(respond(200, { value: [], '@odata.nextLink': 'https://evil.example.com/steal' }));
		await expect(dynamics365Adapter.findByReferences(context(transport, credentials), ['R-1'], hint)).rejects.toThrow(ErpLookupError);
		expect(transport.requests).toHaveLength(1);
	});

	it.each([
		['a 500', respond(500, { error: { code: '0x80040216', message: 'An unexpected error occurred.' } }), true],
		['a 429', respond(429, undefined, { 'retry-after': '5' }), true],
		['a 400', respond(400, { error: { code: '0x80060888', message: 'Could not find a property named Ref' } }), false],
		['a timeout', fail('timeout', true), true],
	])('%s means "cannot tell", never "absent"', async (_story, answer, retryable) => {
		const lookup = dynamics365Adapter.findByReferences(context(FakeTransport.sequence(answer), credentials), ['R-1'], hint);
		await expect(lookup).rejects.toThrow(ErpLookupError);
		await expect(lookup).rejects.toMatchObject({ retryable });
	});

	it('lists a date range through the date field, inclusive, following pages', async () => {
		const transport = FakeTransport.sequence(
			respond(200, { value: [{ vendorinvoiceid: 'a', ExternalReference: 'R-1', InvoiceDate: '2024-03-02' }] }),
		);
		const listed = await dynamics365Adapter.listRange!(context(transport, credentials, { dateField: 'new_invoicedate' }), { from: '2024-03-01', to: '2024-03-31' });
		expect(filterOf(transport.requests[0])).toBe('new_invoicedate ge 2024-03-01 and new_invoicedate le 2024-03-31');
		expect(listed).toEqual([expect.objectContaining({ reference: 'R-1', erpId: 'a' })]);
		await expect(
			dynamics365Adapter.listRange!(context(transport, credentials), { from: '2024-03-01) or (true', to: '2024-03-31' }),
		).rejects.toThrow('YYYY-MM-DD');
	});
});
