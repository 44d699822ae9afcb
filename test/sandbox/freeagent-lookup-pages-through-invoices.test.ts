import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { freeAgent, invoiceBody, parseLinks, signIn } from './freeagent-helpers';

interface Listed {
	invoices: Array<{ reference: string; url: string; updated_at: string }>;
}

describe('FreeAgent: looking an invoice up means paging through the list (there is no filter by reference)', () => {
	let sandbox: Sandbox;
	let base: string;
	let token: string;

	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['freeagent'], clock: 'manual', faults: { freeagent: { options: { persistDelayMs: 0 } } } });
		base = sandbox.urls.freeagent;
		token = (await signIn(base)).access_token;
	});
	afterAll(() => sandbox.stop());

	it('pages with per_page and a Link header (next/last) until the reference is found', async () => {
		const special = "O'Brien & Co #5 Zürich";
		for (const reference of ['A-1', 'A-2', 'A-3', special, 'A-5', 'A-6', 'A-7']) {
			sandbox.advanceClock(1000);
			expect((await freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody(reference) })).status).toBe(201);
		}
		const seen: string[] = [];
		let next: string | undefined = `${base}/v2/invoices?view=all&sort=-updated_at&per_page=3&page=1`;
		let firstLinks: Record<string, string> = {};
		while (next) {
			const response = await freeAgent(base, token, next.slice(base.length));
			expect(response.status).toBe(200);
			const links = parseLinks(response.headers.get('link'));
			if (seen.length === 0) firstLinks = links;
			seen.push(...((await response.json()) as Listed).invoices.map((invoice) => invoice.reference));
			next = links.next;
		}
		expect(seen).toEqual(['A-7', 'A-6', 'A-5', special, 'A-3', 'A-2', 'A-1']);
		expect(new URL(firstLinks.last).searchParams.get('page')).toBe('3');

		const found = sandbox.truth('freeagent').invoices.find((invoice) => invoice.reference === special);
		const single = await freeAgent(base, token, (found?.id ?? '').slice(base.length));
		expect(((await single.json()) as { invoice: { reference: string } }).invoice.reference).toBe(special);
	});

	it('filters by updated_since and caps per_page at 100', async () => {
		const since = new Date(sandbox.now() + 1).toISOString();
		sandbox.advanceClock(5000);
		await freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody('LATE-1') });
		const recent = await freeAgent(base, token, `/v2/invoices?view=all&updated_since=${encodeURIComponent(since)}`);
		expect(((await recent.json()) as Listed).invoices.map((invoice) => invoice.reference)).toEqual(['LATE-1']);

		for (let n = 0; n < 100; n += 1) await freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody(`BULK-${n}`) });
		const big = await freeAgent(base, token, '/v2/invoices?view=all&per_page=500');
		expect(((await big.json()) as Listed).invoices).toHaveLength(100);
		expect(parseLinks(big.headers.get('link')).next).toContain('per_page=100');
	});
});
