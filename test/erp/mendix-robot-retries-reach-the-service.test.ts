import { MendixApi } from '../../credentials/MendixApi.credentials';
import { mendixAdapter } from '../../nodes/shared/erp/mendix/adapter';
import type { ErpContext, PostAttempt } from '../../nodes/shared/erp/types';
import { startSandbox, type Sandbox } from '../../sandbox';
import { credentialTestRequest } from './dynamics365-transport';
import { MendixTestTransport } from './mendix-transport';

const PASSWORD = 'demo-mendix-password';

function mendixContext(sandbox: Sandbox, given: Record<string, unknown> = {}, requestTimeoutMs = 5000): ErpContext {
	const transport = new MendixTestTransport({ baseUrl: sandbox.urls.mendix, username: 'InvoiceApiUser', password: PASSWORD, ...given });
	return { transport, credentials: transport.credentials, settings: {}, requestTimeoutMs };
}

const invoice = (transactionId: string): PostAttempt => ({
	key: `robot-${transactionId}`,
	reference: `REF-${transactionId}`,
	invoice: { invoiceNumber: `INV-${transactionId}`, transactionId, invoiceDate: '2024-03-01', currency: 'EUR', amount: 42 },
});

describe('Mendix: posting to the app’s REST service', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['mendix'] });
	});
	afterAll(async () => {
		await sandbox?.stop();
	});
	beforeEach(() => {
		sandbox.reset('mendix');
		sandbox.setFaults('mendix', {});
	});

	it('a repeated post gets the existing invoice back: one invoice, the same id', async () => {
		const ctx = mendixContext(sandbox);
		const first = await mendixAdapter.create(ctx, invoice('TX-1'));
		const second = await mendixAdapter.create(ctx, invoice('TX-1'));
		expect(first).toMatchObject({ outcome: 'created', httpStatus: 201 });
		expect(second).toMatchObject({ outcome: 'exists', httpStatus: 200, erpId: first.erpId });
		expect(sandbox.truth('mendix').invoices).toHaveLength(1);
	});

	it('an app with only the unique constraint answers 409; the lookup names the invoice', async () => {
		sandbox.setFaults('mendix', { options: { mode: 'constraintOnly' } });
		const ctx = mendixContext(sandbox);
		const first = await mendixAdapter.create(ctx, invoice('TX-2'));
		const second = await mendixAdapter.create(ctx, invoice('TX-2'));
		expect(second).toMatchObject({ outcome: 'exists', httpStatus: 409 });
		const found = await mendixAdapter.findByReferences(ctx, ['REF-TX-2'], { lookbackDays: 30, invoices: new Map([['REF-TX-2', invoice('TX-2').invoice]]) });
		expect(found.get('REF-TX-2')).toEqual([expect.objectContaining({ erpId: first.erpId })]);
		expect(sandbox.truth('mendix').invoices).toHaveLength(1);
	});

	it('a transactionId with quote, &, #, spaces and non-ASCII round-trips through create and lookup', async () => {
		const ctx = mendixContext(sandbox);
		const reference = "O'Brien & Co #5 Zürich";
		const attempt: PostAttempt = { ...invoice('x'), reference, invoice: { ...invoice('x').invoice, transactionId: undefined } };
		const created = await mendixAdapter.create(ctx, attempt);
		expect(created.outcome).toBe('created');
		const found = await mendixAdapter.findByReferences(ctx, [reference], { lookbackDays: 30 });
		expect(found.get(reference)).toEqual([expect.objectContaining({ erpId: created.erpId })]);
		expect(sandbox.truth('mendix').countByReference[reference]).toBe(1);
	});

	it('an answer lost after the commit is ambiguous, and the lookup finds the invoice', async () => {
		sandbox.setFaults('mendix', { schedule: [{ write: 1, fault: 'commitThenTimeout' }], commitThenTimeoutMode: 'reset' });
		const ctx = mendixContext(sandbox);
		expect((await mendixAdapter.create(ctx, invoice('TX-3'))).outcome).toBe('ambiguous');
		const found = await mendixAdapter.findByReferences(ctx, ['TX-3'], { lookbackDays: 30 });
		expect(found.get('TX-3')).toHaveLength(1);
	});

	it('the credential test passes, and a wrong password fails with 401 and no secret in sight', async () => {
		const type = new MendixApi();
		const good = mendixContext(sandbox);
		expect(await good.transport.send(credentialTestRequest(type, good.credentials))).toMatchObject({ kind: 'response', status: 200 });

		const wrong = 'wrong-password-91c';
		const bad = mendixContext(sandbox, { password: wrong });
		const answer = await bad.transport.send(credentialTestRequest(type, bad.credentials));
		expect(answer).toMatchObject({ kind: 'response', status: 401 });
		const create = await mendixAdapter.create(bad, invoice('TX-4'));
		expect(create).toMatchObject({ outcome: 'permanent', message: 'Unauthorized' });
		const seen = JSON.stringify([answer, create, sandbox.requestLog('mendix')]);
		expect(seen).not.toContain(wrong);
		expect(seen).not.toContain(PASSWORD);
		expect(sandbox.truth('mendix').invoices).toHaveLength(0);
	});
});
