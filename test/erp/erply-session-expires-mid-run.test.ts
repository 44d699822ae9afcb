import { erplyAdapter } from '../../nodes/shared/erp/erply/adapter';
import { forgetErplySessions } from '../../nodes/shared/erp/erply/session';
import type { HttpRequest, PostAttempt } from '../../nodes/shared/erp/types';
import { context, FakeTransport, respond } from './erply-freeagent-fake-transport';

const credentials = { clientCode: '123456', username: 'api', password: 'S3cret-pw', sessionKey: 'old-session' };
const attempt: PostAttempt = {
	key: 'k-1',
	reference: 'REF-1',
	invoice: { invoiceNumber: 'INV-1', invoiceDate: '2024-05-01', currency: 'EUR', amount: 10 },
};

const ok = (records: object[]) => respond(200, { status: { responseStatus: 'ok', errorCode: 0 }, records });
const error = (errorCode: number) => respond(200, { status: { responseStatus: 'error', errorCode }, records: [] });

/** A fake Erply whose valid session key is `valid`; verifyUser hands out `loginKeys` in turn. */
function erply(valid: () => string, loginKeys: string[], loginAnswer?: () => ReturnType<typeof respond>) {
	return new FakeTransport((request: HttpRequest) => {
		const form = request.body as Record<string, string>;
		if (form.request === 'verifyUser') {
			if (loginAnswer) return loginAnswer();
			return ok([{ sessionKey: loginKeys.shift() }]);
		}
		if (form.sessionKey !== valid()) return error(1054);
		return ok([{ invoiceID: 900 }]);
	});
}

function requestNames(transport: FakeTransport): string[] {
	return transport.requests.map((r) => `${(r.body as Record<string, string>).request}:${(r.body as Record<string, string>).sessionKey ?? '-'}`);
}

beforeEach(() => forgetErplySessions());

describe('an Erply session expires in the middle of a run', () => {
	it('logs in again once, resends, and the next call reuses the renewed session without logging in', async () => {
		const transport = erply(() => 'fresh', ['fresh']);
		const ctx = context(transport, credentials);

		expect(await erplyAdapter.create(ctx, attempt)).toMatchObject({ outcome: 'created', erpId: '900' });
		expect(await erplyAdapter.create(ctx, { ...attempt, key: 'k-2' })).toMatchObject({ outcome: 'created' });

		expect(requestNames(transport)).toEqual([
			'saveSalesDocument:old-session',
			'verifyUser:-',
			'saveSalesDocument:fresh',
			'saveSalesDocument:fresh',
		]);
		const login = transport.form(1);
		expect(login).toMatchObject({ clientCode: '123456', username: 'api', password: 'S3cret-pw' });
	});

	it('renews only once: a second 1054 is retryable (nothing was saved) and names the code', async () => {
		const transport = erply(() => 'never-valid', ['still-wrong']);
		const result = await erplyAdapter.create(context(transport, credentials), attempt);
		expect(result.outcome).toBe('retryable');
		expect(result.message).toContain('1054');
		expect(transport.requests).toHaveLength(3);
	});

	it('a wrong password fails clearly, saves nothing, and never shows the password or session key', async () => {
		const transport = erply(() => 'x', [], () => error(1050));
		const result = await erplyAdapter.create(context(transport, { ...credentials, sessionKey: '' }), attempt);
		expect(result.outcome).toBe('permanent');
		expect(result.message).toMatch(/verifyUser.*1050/);
		expect(JSON.stringify(result)).not.toContain('S3cret-pw');
		expect(transport.requests.map((r) => (r.body as Record<string, string>).request)).toEqual(['verifyUser']);
	});

	it('a login that does not get through leaves the invoice retryable (the save was never sent)', async () => {
		const transport = new FakeTransport(() => ({ kind: 'failure', code: 'timeout', message: 'timed out', sent: true }));
		const result = await erplyAdapter.create(context(transport, { ...credentials, sessionKey: '' }), attempt);
		expect(result.outcome).toBe('retryable');
		expect(transport.requests).toHaveLength(1);
	});

	it('parallel posts that meet the expired session share one login', async () => {
		let valid = 'old-session';
		const transport = new FakeTransport(async (request) => {
			const form = request.body as Record<string, string>;
			await new Promise((resolve) => setImmediate(resolve));
			if (form.request === 'verifyUser') {
				valid = 'fresh';
				return ok([{ sessionKey: 'fresh' }]);
			}
			return form.sessionKey === valid ? ok([{ invoiceID: 1 }]) : error(1055);
		});
		valid = 'expired-now';
		const ctx = context(transport, credentials);
		const results = await Promise.all([1, 2, 3, 4].map((n) => erplyAdapter.create(ctx, { ...attempt, key: `k-${n}` })));
		expect(results.map((r) => r.outcome)).toEqual(['created', 'created', 'created', 'created']);
		expect(transport.requests.filter((r) => (r.body as Record<string, string>).request === 'verifyUser')).toHaveLength(1);
	});
});
