import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { freeAgent, invoiceBody, signIn } from './freeagent-helpers';

describe('FreeAgent: invoices posted in parallel without a reference race for the next number', () => {
	let sandbox: Sandbox;
	let base: string;
	let token: string;

	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['freeagent'], clock: 'manual' });
		base = sandbox.urls.freeagent;
	});
	afterAll(() => sandbox.stop());
	beforeEach(async () => {
		sandbox.reset('freeagent');
		sandbox.setFaults('freeagent', {});
		token = (await signIn(base)).access_token;
	});

	it('10 concurrent reference-less posts: exactly 1 created, 9 refused with 422 "Reference has already been taken"', async () => {
		// All ten meet inside the ERP (held until the tenth arrived), so each reads the same last number
		// before any is written — on a busy machine too; a wide persist gap alone was outrun there.
		sandbox.gather('freeagent', 10);
		const responses = await Promise.all(Array.from({ length: 10 }, () => freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody() })));
		const statuses = responses.map((response) => response.status).sort();
		expect(statuses).toEqual([201, 422, 422, 422, 422, 422, 422, 422, 422, 422]);
		const refused = await responses.find((response) => response.status === 422)?.json();
		expect(refused).toEqual({ errors: [{ message: 'Reference has already been taken' }] });
		expect(sandbox.truth('freeagent').invoices).toHaveLength(1);
		expect(sandbox.truth('freeagent').countByReference).toEqual({ '001': 1 });
	});

	it('one at a time, reference-less posts take the next number after the last invoice', async () => {
		const first = await freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody('INV-0099') });
		expect(first.status).toBe(201);
		const second = await freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody() });
		const created = ((await second.json()) as { invoice: { reference: string; url: string } }).invoice;
		expect(created.reference).toBe('INV-0100');
		expect(created.url).toBe(`${base}/v2/invoices/2`);
	});

	it('refuses a second invoice with a reference already taken, also when both arrive at once', async () => {
		expect((await freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody('REF-1') })).status).toBe(201);
		const retry = await freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody('REF-1') });
		expect(retry.status).toBe(422);
		const together = await Promise.all([1, 2, 3].map(() => freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody('REF-2') })));
		expect(together.map((response) => response.status).sort()).toEqual([201, 422, 422]);
		expect(sandbox.truth('freeagent').countByReference).toEqual({ 'REF-1': 1, 'REF-2': 1 });
	});

	it('answers validation problems with 422 and FreeAgent\'s message', async () => {
		const response = await freeAgent(base, token, '/v2/invoices', { method: 'POST', body: { invoice: { ...invoiceBody().invoice, contact: '' } } });
		expect(response.status).toBe(422);
		expect(await response.json()).toEqual({ errors: [{ message: "Contact can't be blank" }] });
		expect(sandbox.truth('freeagent').invoices).toHaveLength(0);
	});
});
