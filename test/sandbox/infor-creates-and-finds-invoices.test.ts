import { answered, call, inforApi, inforInvoice, inforToken, useSandbox } from './helpers';
import { inforDemoIonApi } from '../../sandbox/erps/infor/simulator';

describe('Infor ICS AR REST v1 in the sandbox: create, lookup, duplicates', () => {
	const sandbox = useSandbox({ erps: ['infor'] });
	let token: string;

	beforeAll(async () => {
		token = await inforToken(sandbox());
	});
	beforeEach(() => sandbox().reset('infor'));

	const post = (path: string, json: unknown) =>
		call(`${inforApi(sandbox())}${path}`, { json, headers: { authorization: `Bearer ${token}` } });
	const get = (pathAndQuery: string) => call(`${inforApi(sandbox())}${pathAndQuery}`, { headers: { authorization: `Bearer ${token}` } });

	it('creates an invoice and answers 201 with id, number, reference and status', async () => {
		const answer = answered(await post('/invoices', inforInvoice(1)));
		expect(answer.status).toBe(201);
		expect(answer.body).toEqual({ id: expect.any(String), invoiceNumber: 'INV-1', externalReference: 'REF-1', status: 'CREATED' });
		expect(answer.headers['x-correlation-id']).toBeTruthy();
		expect(sandbox().truth('infor').countByReference).toEqual({ 'REF-1': 1 });
	});

	it('creates a DUPLICATE when the same externalReference is posted again, and the lookup shows both', async () => {
		const first = answered(await post('/invoices', inforInvoice(7)));
		const second = answered(await post('/invoices', inforInvoice(7)));
		expect([first.status, second.status]).toEqual([201, 201]);
		expect((first.body as { id: string }).id).not.toBe((second.body as { id: string }).id);

		const truth = sandbox().truth('infor');
		expect(truth.countByReference['REF-7']).toBe(2);
		expect(truth.duplicates).toEqual(['REF-7']);

		const lookup = answered(await get('/invoices?externalRef=REF-7'));
		expect(lookup.status).toBe(200);
		expect((lookup.body as { items: unknown[] }).items).toHaveLength(2);
		const none = answered(await get('/invoices?externalRef=REF-404'));
		expect(none.body).toEqual({ items: [] });
	});

	it('lists a date range page by page', async () => {
		for (let n = 1; n <= 5; n += 1) await post('/invoices', inforInvoice(n, { invoiceDate: `2026-03-0${n}` }));
		await post('/invoices', inforInvoice(9, { invoiceDate: '2026-04-01' }));
		const page1 = answered(await get('/invoices?invoiceDateFrom=2026-03-01&invoiceDateTo=2026-03-31&page=1&pageSize=2')).body as {
			items: Array<{ externalReference: string }>;
			totalItems: number;
		};
		const page3 = answered(await get('/invoices?invoiceDateFrom=2026-03-01&invoiceDateTo=2026-03-31&page=3&pageSize=2')).body as {
			items: Array<{ externalReference: string }>;
		};
		expect(page1.totalItems).toBe(5);
		expect(page1.items.map((item) => item.externalReference)).toEqual(['REF-1', 'REF-2']);
		expect(page3.items.map((item) => item.externalReference)).toEqual(['REF-5']);
	});

	it('rejects an invalid invoice with 400 {error:{code,message}} and stores nothing', async () => {
		const answer = answered(await post('/invoices', inforInvoice(2, { invoiceDate: '02/01/2026' })));
		expect(answer.status).toBe(400);
		expect(answer.body).toEqual({ error: { code: 'VALIDATION_ERROR', message: 'invoiceDate must be a date YYYY-MM-DD' } });
		expect(sandbox().truth('infor').invoices).toHaveLength(0);
	});

	it('issues tokens for the client_credentials grant and refuses a wrong client secret', async () => {
		const clientToken = await inforToken(sandbox(), 'client_credentials');
		const created = answered(
			await call(`${inforApi(sandbox())}/invoices`, { json: inforInvoice(3), headers: { authorization: `Bearer ${clientToken}` } }),
		);
		expect(created.status).toBe(201);

		const ionapi = inforDemoIonApi(sandbox().urls.infor);
		const refused = answered(
			await call(`${ionapi.pu}${ionapi.ot}`, { form: { grant_type: 'client_credentials', client_id: ionapi.ci, client_secret: 'wrong' } }),
		);
		expect(refused.status).toBe(401);
		expect(refused.body).toMatchObject({ error: 'invalid_client' });
	});

	it('answers 401 without a token and on an unknown tenant path 404', async () => {
		const anonymous = answered(await call(`${inforApi(sandbox())}/invoices`, { json: inforInvoice(4) }));
		expect(anonymous.status).toBe(401);
		const otherTenant = answered(await call(`${sandbox().urls.infor}/OTHER_TENANT/ICS/api/v1/invoices`, { headers: { authorization: `Bearer ${token}` } }));
		expect(otherTenant.status).toBe(404);
		expect(sandbox().truth('infor').invoices).toHaveLength(0);
	});
});
