import { DateTime } from 'luxon';

import { freeAgentAdapter, nextPageUrl } from '../../nodes/shared/erp/freeAgent/adapter';
import { ErpLookupError } from '../../nodes/shared/erp/types';
import { context, fail, FakeTransport, respond } from './erply-freeagent-fake-transport';

const base = 'http://127.0.0.1:9999/fa';
const credentials = { environment: 'custom', baseUrl: base };

function invoice(n: number, reference: string, datedOn = '2024-05-01') {
	return { url: `${base}/v2/invoices/${n}`, reference, dated_on: datedOn, total_value: `${n}.50` };
}

describe('FreeAgent has no filter by reference: the lookup pages the account and matches locally', () => {
	it('follows the Link header, finds every reference, reports duplicates and absent ones', async () => {
		const transport = FakeTransport.sequence(
			respond(200, { invoices: [invoice(1, 'A'), invoice(2, "O'Brien & Co #1 é")] }, {
				link: `<${base}/v2/invoices?page=2&per_page=100&view=all>; rel="next", <${base}/v2/invoices?page=3>; rel="last"`,
			}),
			respond(200, { invoices: [invoice(3, 'A'), invoice(4, 'unrelated')] }, { link: `<${base}/v2/invoices?page=1>; rel="first"` }),
		);
		const found = await freeAgentAdapter.findByReferences(
			context(transport, credentials),
			['A', "O'Brien & Co #1 é", 'missing'],
			{ lookbackDays: 30 },
		);

		expect([...found.keys()]).toEqual(['A', "O'Brien & Co #1 é", 'missing']);
		expect(found.get('A')?.map((f) => f.erpId)).toEqual([`${base}/v2/invoices/1`, `${base}/v2/invoices/3`]);
		expect(found.get("O'Brien & Co #1 é")).toEqual([
			// FreeAgent's only number field holds the reference we posted: it is not reported as the invoice number.
			{ reference: "O'Brien & Co #1 é", erpId: `${base}/v2/invoices/2`, invoiceDate: '2024-05-01', amount: 2.5, currency: undefined, party: undefined },
		]);
		expect(found.get('missing')).toEqual([]);

		expect(transport.requests).toHaveLength(2);
		const first = transport.requests[0];
		expect(first.url).toBe(`${base}/v2/invoices`);
		expect(first.qs).toMatchObject({ view: 'all', sort: '-updated_at', per_page: 100, page: 1 });
		const since = DateTime.fromISO(String(first.qs?.updated_since));
		expect(Math.abs(since.diff(DateTime.utc().minus({ days: 30 }), 'minutes').minutes)).toBeLessThan(5);
		expect(first.headers?.['User-Agent']).toBeTruthy();
		expect(transport.requests[1].url).toBe(`${base}/v2/invoices?page=2&per_page=100&view=all`);
	});

	it('cannot tell when FreeAgent fails: it throws ErpLookupError instead of reporting "absent"', async () => {
		const throttled = FakeTransport.sequence(respond(429, { errors: [{ message: 'Too many requests' }] }));
		const error = await freeAgentAdapter.findByReferences(context(throttled, credentials), ['A'], { lookbackDays: 7 }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ErpLookupError);
		expect((error as ErpLookupError).retryable).toBe(true);
		expect((error as Error).message).toContain('Too many requests');

		const secondPageLost = FakeTransport.sequence(
			respond(200, { invoices: [invoice(1, 'A')] }, { link: `<${base}/v2/invoices?page=2>; rel="next"` }),
			fail('timeout', true),
		);
		await expect(freeAgentAdapter.findByReferences(context(secondPageLost, credentials), ['A'], { lookbackDays: 7 })).rejects.toBeInstanceOf(ErpLookupError);

		const unauthorised = FakeTransport.sequence(respond(401, { errors: { error: { message: 'Unauthorised' } } }));
		const denied = await freeAgentAdapter.findByReferences(context(unauthorised, credentials), ['A'], { lookbackDays: 7 }).catch((e: unknown) => e);
		expect((denied as ErpLookupError).retryable).toBe(false);
	});

	it('never follows a pagination link to another host (the token would travel with it)', async () => {
		const transport = FakeTransport.sequence(
			respond(200, { invoices: [invoice(1, 'A')] }, { link: '<https://evil.example/v2/invoices?page=2>; rel="next"' }),
		);
		await expect(freeAgentAdapter.findByReferences(context(transport, credentials), ['A'], { lookbackDays: 7 })).rejects.toThrow(/another host/);
		expect(transport.requests).toHaveLength(1);
	});

	it('lists a date range for reconciliation by scanning and keeping the invoices dated inside it', async () => {
		const transport = FakeTransport.sequence(
			respond(200, { invoices: [invoice(1, 'A', '2024-04-30'), invoice(2, 'B', '2024-05-01'), invoice(3, 'C', '2024-05-31'), invoice(4, 'D', '2024-06-01')] }),
		);
		const listed = await freeAgentAdapter.listRange!(context(transport, credentials), { from: '2024-05-01', to: '2024-05-31' });
		expect(listed.map((f) => f.reference)).toEqual(['B', 'C']);
	});

	it('reads Link headers with several relations', () => {
		expect(nextPageUrl('<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next"')).toBe('https://a/x?page=3');
		expect(nextPageUrl('<https://a/x?page=1>; rel="first"')).toBeUndefined();
		expect(nextPageUrl(undefined)).toBeUndefined();
	});
});
