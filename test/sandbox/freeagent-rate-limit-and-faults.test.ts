import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { freeAgent, invoiceBody, signIn } from './freeagent-helpers';

describe('FreeAgent: 120 requests a minute per user, and writes that fail around the commit', () => {
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

	it('answers 429 beyond perMinute in a sliding minute of the sandbox clock, without Retry-After unless configured', async () => {
		sandbox.setFaults('freeagent', { options: { perMinute: 3 } });
		for (let n = 0; n < 3; n += 1) expect((await freeAgent(base, token, '/v2/invoices?view=all')).status).toBe(200);
		const limited = await freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody('R-1') });
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).toBeNull();
		expect(sandbox.truth('freeagent').invoices).toHaveLength(0);

		sandbox.setFaults('freeagent', { options: { perMinute: 3, sendRetryAfter: true } });
		const withHint = await freeAgent(base, token, '/v2/invoices?view=all');
		expect(withHint.status).toBe(429);
		expect(withHint.headers.get('retry-after')).toBe('60');

		sandbox.advanceClock(60_001);
		expect((await freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody('R-1') })).status).toBe(201);
	});

	it('stores nothing on failBeforeCommit; commitThenTimeout stores the invoice although the client hears nothing', async () => {
		sandbox.setFaults('freeagent', {
			schedule: [
				{ write: 1, fault: 'failBeforeCommit' },
				{ write: 2, fault: 'commitThenTimeout' },
			],
			failBeforeCommitStatus: 503,
			commitThenTimeoutMode: 'reset',
		});
		const failed = await freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody('R-9') });
		expect(failed.status).toBe(503);
		expect(sandbox.truth('freeagent').invoices).toHaveLength(0);
		await expect(freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody('R-9') })).rejects.toThrow();
		expect(sandbox.truth('freeagent').countByReference).toEqual({ 'R-9': 1 });
		// The retry a client makes after the timeout is refused: the reference is taken.
		expect((await freeAgent(base, token, '/v2/invoices', { method: 'POST', body: invoiceBody('R-9') })).status).toBe(422);
	});
});
