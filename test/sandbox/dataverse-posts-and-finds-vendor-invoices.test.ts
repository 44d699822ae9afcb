import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { accessToken, odata, odataString } from './dataverse-helpers';

describe('Dataverse: a finance team posts vendor invoices and finds them by reference', () => {
	let sandbox: Sandbox;
	let base: string;
	let token: string;

	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['dataverse'], clock: 'manual' });
		base = sandbox.urls.dataverse;
	});
	afterAll(() => sandbox.stop());
	beforeEach(async () => {
		sandbox.reset('dataverse');
		token = await accessToken(base);
	});

	it('creates an invoice with 204 + OData-EntityId, or 201 + the record when asked for the representation', async () => {
		const plain = await odata(base, token, 'VendorInvoices', {
			method: 'POST',
			body: { VendorAccount: 'V001', InvoiceNumber: 'INV-1', ExternalReference: 'REF-1', Amount: 120.5 },
		});
		expect(plain.status).toBe(204);
		expect(plain.headers.get('odata-entityid')).toMatch(new RegExp(`^${base}/api/data/v9\\.2/VendorInvoices\\([0-9a-f-]{36}\\)$`));

		const withBody = await odata(base, token, 'VendorInvoices', {
			method: 'POST',
			headers: { Prefer: 'return=representation' },
			body: { VendorAccount: 'V001', InvoiceNumber: 'INV-2', ExternalReference: 'REF-2' },
		});
		expect(withBody.status).toBe(201);
		const record = (await withBody.json()) as Record<string, unknown>;
		expect(record).toMatchObject({ VendorAccount: 'V001', InvoiceNumber: 'INV-2', ExternalReference: 'REF-2' });
		expect(record.vendorinvoiceid).toEqual(expect.stringMatching(/^[0-9a-f-]{36}$/));

		const truth = sandbox.truth('dataverse');
		expect(truth.countByReference).toEqual({ 'REF-1': 1, 'REF-2': 1 });
		expect(truth.invoices.find((invoice) => invoice.reference === 'REF-1')?.amount).toBe(120.5);
	});

	it('refuses a second invoice with the same vendor and number: 409 DuplicateRecord, nothing stored twice', async () => {
		const body = { VendorAccount: 'V001', InvoiceNumber: 'INV-9', ExternalReference: 'REF-9' };
		expect((await odata(base, token, 'VendorInvoices', { method: 'POST', body })).status).toBe(204);
		const again = await odata(base, token, 'VendorInvoices', { method: 'POST', body: { ...body, InvoiceNumber: 'inv-9' } });
		expect(again.status).toBe(409);
		const error = ((await again.json()) as { error: { code: string; message: string } }).error;
		expect(error.code).toBe('0x80040237');
		expect(error.message).toContain('DuplicateRecord');
		expect(sandbox.truth('dataverse').countByReference).toEqual({ 'REF-9': 1 });
	});

	it('creates by alternate key with If-None-Match: * once; the retry gets 412 and changes nothing', async () => {
		const key = `VendorInvoices(VendorAccount=${encodeURIComponent(odataString('V001'))},InvoiceNumber=${encodeURIComponent(odataString("O'Brien-7"))})`;
		const first = await odata(base, token, key, { method: 'PATCH', headers: { 'If-None-Match': '*' }, body: { ExternalReference: 'REF-AK', Amount: 1 } });
		expect(first.status).toBe(204);
		const retry = await odata(base, token, key, { method: 'PATCH', headers: { 'If-None-Match': '*' }, body: { ExternalReference: 'REF-AK', Amount: 2 } });
		expect(retry.status).toBe(412);
		expect(((await retry.json()) as { error: { code: string } }).error.code).toBe('0x80060892');

		const stored = sandbox.truth('dataverse').invoices;
		expect(stored).toHaveLength(1);
		expect(stored[0]).toMatchObject({ reference: 'REF-AK', invoiceNumber: "O'Brien-7", amount: 1 });
	});

	it('finds invoices by reference with an or-group, $select and $top', async () => {
		for (const n of [1, 2, 3]) {
			await odata(base, token, 'VendorInvoices', { method: 'POST', body: { VendorAccount: 'V002', InvoiceNumber: `N-${n}`, ExternalReference: `R-${n}` } });
		}
		const filter = `ExternalReference eq 'R-1' or ExternalReference eq 'R-3' or ExternalReference eq 'R-404'`;
		const found = await odata(base, token, `VendorInvoices?$filter=${encodeURIComponent(filter)}&$select=ExternalReference,InvoiceNumber`);
		expect(found.status).toBe(200);
		const { value } = (await found.json()) as { value: Array<Record<string, unknown>> };
		expect(value.map((row) => row.ExternalReference).sort()).toEqual(['R-1', 'R-3']);
		expect(Object.keys(value[0]).sort()).toEqual(['@odata.etag', 'ExternalReference', 'InvoiceNumber', 'vendorinvoiceid']);

		const limited = await odata(base, token, `VendorInvoices?$filter=${encodeURIComponent("VendorAccount eq 'V002'")}&$top=2`);
		expect(((await limited.json()) as { value: unknown[] }).value).toHaveLength(2);
	});

	it("round-trips a reference with quote, ampersand, hash, spaces and non-ASCII through create and lookup", async () => {
		const reference = "O'Brien & Co #5 Zürich";
		const created = await odata(base, token, 'VendorInvoices', {
			method: 'POST',
			body: { VendorAccount: 'V003', InvoiceNumber: 'Z-1', ExternalReference: reference },
		});
		expect(created.status).toBe(204);
		const filter = `ExternalReference eq ${odataString(reference)}`;
		const found = await odata(base, token, `VendorInvoices?$filter=${encodeURIComponent(filter)}`);
		const { value } = (await found.json()) as { value: Array<Record<string, unknown>> };
		expect(value).toHaveLength(1);
		expect(value[0].ExternalReference).toBe(reference);
		expect(sandbox.truth('dataverse').countByReference).toEqual({ [reference]: 1 });
	});

	it('rejects malformed or injected filters with 400 instead of matching the wrong invoices', async () => {
		await odata(base, token, 'VendorInvoices', { method: 'POST', body: { VendorAccount: 'V004', InvoiceNumber: 'A', ExternalReference: 'SAFE' } });
		// A reference concatenated without doubling its quote: the quote ends the literal early.
		const injected = "ExternalReference eq 'x' or '1' eq '1'";
		const unquoted = `ExternalReference eq 'O'Brien'`;
		for (const filter of [injected, unquoted, 'ExternalReference eq', "ExternalReference like 'S%'", "(ExternalReference eq 'SAFE'"]) {
			const response = await odata(base, token, `VendorInvoices?$filter=${encodeURIComponent(filter)}`);
			expect({ filter, status: response.status }).toEqual({ filter, status: 400 });
			expect(((await response.json()) as { error: { code: string } }).error.code).toBe('0x80060888');
		}
		// The same text properly escaped is one literal value, which matches nothing.
		const escaped = await odata(base, token, `VendorInvoices?$filter=${encodeURIComponent(`ExternalReference eq ${odataString("x' or '1' eq '1")}`)}`);
		expect(((await escaped.json()) as { value: unknown[] }).value).toHaveLength(0);
	});
});
