import { answered, call, inforApi, inforInvoice, inforToken, useSandbox } from './helpers';

describe('Infor batch: sequential, committed invoices stay committed when it fails mid-way', () => {
	const sandbox = useSandbox({ erps: ['infor'] });
	let token: string;
	const batch = (count: number) => ({ invoices: Array.from({ length: count }, (_, index) => inforInvoice(index + 1)) });
	const postBatch = (json: unknown) =>
		call(`${inforApi(sandbox())}/invoices/batch`, { json, headers: { authorization: `Bearer ${token}` } });

	beforeAll(async () => {
		token = await inforToken(sandbox());
	});
	beforeEach(() => {
		sandbox().reset('infor');
		sandbox().setFaults('infor', {});
	});

	it('creates every invoice of a healthy batch and reports one result each', async () => {
		const answer = answered(await postBatch(batch(4)));
		expect(answer.status).toBe(200);
		const results = (answer.body as { results: Array<{ index: number; status: string; id: string }> }).results;
		expect(results.map((result) => result.status)).toEqual(['CREATED', 'CREATED', 'CREATED', 'CREATED']);
		expect(sandbox().truth('infor').invoices).toHaveLength(4);
	});

	it('partial500: 500 with the processed results, and exactly those invoices are in the ERP', async () => {
		sandbox().setFaults('infor', { failMidBatchAt: 3, failMidBatchMode: 'partial500' });
		const answer = answered(await postBatch(batch(6)));
		expect(answer.status).toBe(500);
		const body = answer.body as { error: { message: string }; results: Array<{ externalReference: string; status: string }> };
		expect(body.error.message).toContain('failed at invoice 3');
		expect(body.results.map((result) => result.externalReference)).toEqual(['REF-1', 'REF-2', 'REF-3']);
		expect(Object.keys(sandbox().truth('infor').countByReference)).toEqual(['REF-1', 'REF-2', 'REF-3']);
	});

	it('504 with no body, while the first k invoices were committed anyway', async () => {
		sandbox().setFaults('infor', { failMidBatchAt: 2, failMidBatchMode: '504' });
		const answer = answered(await postBatch(batch(5)));
		expect(answer.status).toBe(504);
		expect(answer.text).toBe('');
		expect(sandbox().truth('infor').invoices).toHaveLength(2);
	});

	it('a retry of the whole batch after a mid-batch failure duplicates the committed ones (the pain the package solves)', async () => {
		sandbox().setFaults('infor', { schedule: [{ write: 1, fault: 'failMidBatch' }] });
		expect(answered(await postBatch(batch(4))).status).toBe(500);
		expect(answered(await postBatch(batch(4))).status).toBe(200);
		const truth = sandbox().truth('infor');
		expect(truth.invoices).toHaveLength(2 + 4);
		expect(truth.duplicates).toEqual(['REF-1', 'REF-2']);
	});

	it('with rejectSpecialCharacters, a customer name with & fails only that invoice with status ERROR', async () => {
		sandbox().setFaults('infor', { options: { rejectSpecialCharacters: true } });
		const invoices = [inforInvoice(1), inforInvoice(2, { customerName: 'Smith & Sons' }), inforInvoice(3, { customerName: 'Müller GmbH' }), inforInvoice(4)];
		const answer = answered(await postBatch({ invoices }));
		expect(answer.status).toBe(200);
		const results = (answer.body as { results: Array<{ status: string; error?: string }> }).results;
		expect(results.map((result) => result.status)).toEqual(['CREATED', 'ERROR', 'ERROR', 'CREATED']);
		expect(Object.keys(sandbox().truth('infor').countByReference)).toEqual(['REF-1', 'REF-4']);
	});

	it('by default (the option off) special characters are accepted', async () => {
		const answer = answered(await postBatch({ invoices: [inforInvoice(1, { customerName: 'Smith & Sons' })] }));
		expect(answer.status).toBe(200);
		expect(sandbox().truth('infor').invoices).toHaveLength(1);
	});
});
