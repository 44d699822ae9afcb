import { startSandboxServer, type Sandbox } from '../../sandbox/core/server';
import type { HostileSimulator } from '../../sandbox/core/hostile';
import type { SandboxErp } from '../../sandbox/core/types';
import { SIMULATOR_FACTORIES } from '../../sandbox/erps';
import { accessToken, odata } from './dataverse-helpers';
import { answered, call, inforApi, inforInvoice, inforToken } from './helpers';

/** The hostile faults of issue 15, as a client and the ground truth see them. */
describe('hostile faults: late commits, gateways, exists answers, lookup lag, no duplicate rule', () => {
	let sandbox: Sandbox;
	const simulators = new Map<SandboxErp, HostileSimulator>();
	const generic = (n: number, timeoutMs?: number) =>
		call(`${sandbox.urls.generic}/invoices`, { json: { reference: `REF-${n}`, invoiceNumber: `INV-${n}`, amount: n }, timeoutMs });

	beforeAll(async () => {
		for (const erp of ['generic', 'infor', 'dataverse'] as SandboxErp[]) simulators.set(erp, SIMULATOR_FACTORIES[erp]());
		sandbox = await startSandboxServer({ simulators: [...simulators.values()], seed: 15 });
	});
	afterAll(async () => await sandbox.stop());
	beforeEach(() => {
		sandbox.reset();
		for (const erp of simulators.keys()) sandbox.setFaults(erp, {});
	});

	it('a late commit: the client times out with nothing stored, the invoice lands afterwards, and idle() waits for it', async () => {
		sandbox.setFaults('generic', { lateCommit: 1, lateCommitMinMs: 1_500, lateCommitMaxMs: 1_500, holdMs: 10_000 });
		const answer = await generic(1, 100);
		expect(answer).toEqual({ kind: 'failure', code: 'timeout' });
		expect(sandbox.truth('generic').invoices).toHaveLength(0);
		expect(simulators.get('generic')!.outstanding()).toBe(1);
		await simulators.get('generic')!.idle();
		expect(sandbox.truth('generic').countByReference).toEqual({ 'REF-1': 1 });
	});

	it('a late batch commits its invoices one at a time', async () => {
		const token = await inforToken(sandbox);
		sandbox.setFaults('infor', { lateCommit: 1, lateCommitMinMs: 50, lateCommitMaxMs: 50, lateCommitItemMs: 400, holdMs: 10_000 });
		const sent = call(`${inforApi(sandbox)}/invoices/batch`, { json: { invoices: [1, 2, 3].map((n) => inforInvoice(n)) }, headers: { authorization: `Bearer ${token}` }, timeoutMs: 100 });
		expect(await sent).toEqual({ kind: 'failure', code: 'timeout' });
		const counts: number[] = [];
		while (simulators.get('infor')!.outstanding() > 0) {
			counts.push(sandbox.truth('infor').invoices.length);
			await new Promise((resolve) => setTimeout(resolve, 20));
		}
		await simulators.get('infor')!.idle();
		expect(sandbox.truth('infor').invoices).toHaveLength(3);
		// Seen part-way: some but not all of the batch committed.
		expect(counts.some((count) => count > 0 && count < 3)).toBe(true);
	});

	it('a gateway 5xx after forwarding: the answer is the gateway’s, and the ERP committed it or not as drawn', async () => {
		sandbox.setFaults('generic', { gateway5xx: 1, gatewayCommitShare: 1, gatewayStatuses: [502] });
		const committed = answered(await generic(1));
		expect(committed.status).toBe(502);
		expect(committed.text).toContain('upstream');
		sandbox.setFaults('generic', { gateway5xx: 1, gatewayCommitShare: 0, gatewayStatuses: [504] });
		expect(answered(await generic(2)).status).toBe(504);
		expect(sandbox.truth('generic').countByReference).toEqual({ 'REF-1': 1 });
	});

	it('"already exists" without an id, or because of another record, stores nothing', async () => {
		answered(await generic(1));
		sandbox.setFaults('generic', { existsWithoutId: 1 });
		const withoutId = answered(await generic(2));
		expect(withoutId.status).toBe(409);
		expect(withoutId.body).not.toHaveProperty('id');
		sandbox.setFaults('generic', { existsOtherRecord: 1 });
		const other = answered(await generic(3));
		expect(other.status).toBe(409);
		expect(other.body).toHaveProperty('id', sandbox.truth('generic').invoices[0].id);
		expect(Object.keys(sandbox.truth('generic').countByReference)).toEqual(['REF-1']);
	});

	it('lookup lag: a search sees a commit only after the lag; the truth has it at once', async () => {
		sandbox.setFaults('generic', { lookupLagMs: 400 });
		answered(await generic(1));
		expect(sandbox.truth('generic').invoices).toHaveLength(1);
		expect(answered(await call(`${sandbox.urls.generic}/invoices?reference=REF-1`)).body).toEqual([]);
		await new Promise((resolve) => setTimeout(resolve, 450));
		expect(answered(await call(`${sandbox.urls.generic}/invoices?reference=REF-1`)).body).toEqual([expect.objectContaining({ reference: 'REF-1' })]);
	});

	it('a 429 without Retry-After', async () => {
		sandbox.setFaults('generic', { throttle: 1, omitRetryAfter: true });
		const throttled = answered(await generic(1));
		expect(throttled.status).toBe(429);
		expect(throttled.headers['retry-after']).toBeUndefined();
	});

	it('Dataverse without a duplicate rule or alternate key stores the same invoice twice and refuses a key it does not have', async () => {
		sandbox.setFaults('dataverse', { options: { uniqueFields: [], alternateKeys: false } });
		const token = await accessToken(sandbox.urls.dataverse);
		const body = { VendorAccount: 'V001', InvoiceNumber: 'INV-1', ExternalReference: 'REF-1', Amount: 10 };
		for (let i = 0; i < 2; i++) expect((await odata(sandbox.urls.dataverse, token, 'VendorInvoices', { method: 'POST', body })).status).toBe(204);
		expect(sandbox.truth('dataverse').duplicates).toEqual(['REF-1']);
		const byKey = await odata(sandbox.urls.dataverse, token, "VendorInvoices(VendorAccount='V001',InvoiceNumber='INV-2')", { method: 'PATCH', body, headers: { 'If-None-Match': '*' } });
		expect(byKey.status).toBe(400);
	});
});
