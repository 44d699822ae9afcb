import { DateTime } from 'luxon';

import { erplyAdapter, lookupFilters } from '../../nodes/shared/erp/erply/adapter';
import { forgetErplySessions } from '../../nodes/shared/erp/erply/session';
import { ErpLookupError, type CanonicalInvoice, type HttpRequest } from '../../nodes/shared/erp/types';
import { context, fail, FakeTransport, respond } from './erply-freeagent-fake-transport';

const credentials = { clientCode: '123456', username: 'api', password: 'pw', sessionKey: 's' };

function document(id: number, reference: string, number = `N${id}`, date = '2024-05-01') {
	return { id, number, date, total: id * 10, customReferenceNumber: reference };
}

function page(records: object[], recordsTotal: number) {
	return respond(200, { status: { responseStatus: 'ok', errorCode: 0, recordsTotal, recordsInResponse: records.length }, records });
}

function invoice(invoiceNumber: string, invoiceDate: string): CanonicalInvoice {
	return { invoiceNumber, invoiceDate, currency: 'EUR', amount: 1 };
}

const formOf = (request: HttpRequest) => request.body as Record<string, string>;

beforeEach(() => forgetErplySessions());

describe('verifying Erply invoices by reference', () => {
	it('asks by invoice number when a few are known, matches customReferenceNumber, and reports absent references', async () => {
		const transport = new FakeTransport((request) => {
			const { number } = formOf(request);
			if (number === 'INV-1') return page([document(1, "O'Brien & Co #1 é", 'INV-1'), document(2, 'someone else', 'INV-1')], 2);
			return page([], 0);
		});
		const found = await erplyAdapter.findByReferences(
			context(transport, credentials),
			["O'Brien & Co #1 é", 'REF-2'],
			{ lookbackDays: 30, invoices: new Map([["O'Brien & Co #1 é", invoice('INV-1', '2024-05-01')], ['REF-2', invoice('INV-2', '2024-05-02')]]) },
		);
		expect(found.get("O'Brien & Co #1 é")).toEqual([
			{ reference: "O'Brien & Co #1 é", erpId: '1', invoiceNumber: 'INV-1', invoiceDate: '2024-05-01', amount: 10 },
		]);
		expect(found.get('REF-2')).toEqual([]);
		expect(transport.requests.map((r) => formOf(r).number)).toEqual(['INV-1', 'INV-2']);
		expect(formOf(transport.requests[0])).toMatchObject({ request: 'getSalesDocuments', clientCode: '123456', sessionKey: 's', recordsOnPage: '100', pageNo: '1' });
	});

	it('scans one date range for many references, page by page, and finds duplicates', async () => {
		const references = Array.from({ length: 8 }, (_, i) => `R${i}`);
		const hint = new Map(references.map((reference, i) => [reference, invoice(`INV-${i}`, `2024-05-0${i + 1}`)]));
		const firstPage = Array.from({ length: 100 }, (_, i) => document(i + 1, i < 2 ? 'R0' : `other-${i}`));
		const transport = FakeTransport.sequence(page(firstPage, 101), page([document(101, 'R7')], 101));
		const found = await erplyAdapter.findByReferences(context(transport, credentials), references, { lookbackDays: 30, invoices: hint });

		expect(found.get('R0')?.map((f) => f.erpId)).toEqual(['1', '2']);
		expect(found.get('R7')?.map((f) => f.erpId)).toEqual(['101']);
		expect(found.get('R3')).toEqual([]);
		expect(transport.requests.map((r) => [formOf(r).dateFrom, formOf(r).dateTo, formOf(r).pageNo])).toEqual([
			['2024-05-01', '2024-05-08', '1'],
			['2024-05-01', '2024-05-08', '2'],
		]);
	});

	it('looks back lookbackDays for references it knows nothing about', () => {
		const [filter] = lookupFilters(['unknown'], { lookbackDays: 10 });
		expect(filter).toEqual({ dateFrom: DateTime.utc().minus({ days: 10 }).toISODate() });
	});

	it('cannot tell when Erply fails: it throws ErpLookupError, retryable for quota and outages only', async () => {
		const quota = FakeTransport.sequence(respond(200, { status: { responseStatus: 'error', errorCode: 1002 }, records: [] }));
		const error = await erplyAdapter.findByReferences(context(quota, credentials), ['R'], { lookbackDays: 1 }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ErpLookupError);
		expect((error as ErpLookupError).retryable).toBe(true);
		expect((error as Error).message).toContain('1002');

		const rights = FakeTransport.sequence(respond(200, { status: { responseStatus: 'error', errorCode: 1060 }, records: [] }));
		const denied = await erplyAdapter.findByReferences(context(rights, credentials), ['R'], { lookbackDays: 1 }).catch((e: unknown) => e);
		expect((denied as ErpLookupError).retryable).toBe(false);

		const lost = FakeTransport.sequence(fail('timeout', true));
		await expect(erplyAdapter.findByReferences(context(lost, credentials), ['R'], { lookbackDays: 1 })).rejects.toBeInstanceOf(ErpLookupError);
	});

	it('lists a date range for reconciliation through dateFrom/dateTo', async () => {
		const transport = FakeTransport.sequence(page([document(1, 'A'), document(2, 'B')], 2));
		const listed = await erplyAdapter.listRange!(context(transport, credentials), { from: '2024-05-01', to: '2024-05-31' });
		expect(listed.map((f) => f.reference)).toEqual(['A', 'B']);
		expect(formOf(transport.requests[0])).toMatchObject({ request: 'getSalesDocuments', dateFrom: '2024-05-01', dateTo: '2024-05-31' });
	});
});
