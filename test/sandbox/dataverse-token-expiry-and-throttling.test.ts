import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { accessToken, odata, requestToken } from './dataverse-helpers';

const invoice = (n: number) => ({ VendorAccount: 'V001', InvoiceNumber: `INV-${n}`, ExternalReference: `REF-${n}` });

describe('Dataverse: credentials, expiring tokens and service protection limits', () => {
	let sandbox: Sandbox;
	let base: string;

	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['dataverse'], clock: 'manual', tokenTtlMs: 60_000 });
		base = sandbox.urls.dataverse;
	});
	afterAll(() => sandbox.stop());
	beforeEach(() => {
		sandbox.reset('dataverse');
		sandbox.setFaults('dataverse', {});
	});

	it('refuses a wrong client secret with 401 invalid_client and never echoes the secret', async () => {
		const response = await requestToken(base, { client_secret: 'not-the-secret-xyz' });
		expect(response.status).toBe(401);
		const body = (await response.json()) as { error: string; error_description: string };
		expect(body.error).toBe('invalid_client');
		expect(JSON.stringify(body)).not.toContain('not-the-secret-xyz');
	});

	it('requires the environment URL + /.default as scope', async () => {
		const response = await requestToken(base, { scope: 'https://graph.microsoft.com/.default' });
		expect(response.status).toBe(400);
		expect(((await response.json()) as { error: string }).error).toBe('invalid_scope');
	});

	it('answers 401 once the token expires on the sandbox clock, and a new token works again', async () => {
		const token = await accessToken(base);
		expect((await odata(base, token, 'VendorInvoices')).status).toBe(200);
		sandbox.advanceClock(60_001);
		const expired = await odata(base, token, 'VendorInvoices', { method: 'POST', body: invoice(1) });
		expect(expired.status).toBe(401);
		expect(expired.headers.get('www-authenticate')).toContain('expired');
		expect(sandbox.truth('dataverse').invoices).toHaveLength(0);
		const fresh = await accessToken(base);
		expect((await odata(base, fresh, 'VendorInvoices', { method: 'POST', body: invoice(1) })).status).toBe(204);
	});

	it('throttles beyond rateLimitPerWindow with 429 + Retry-After until the window slides on', async () => {
		sandbox.setFaults('dataverse', { options: { rateLimitPerWindow: 3, windowMs: 10_000 } });
		const token = await accessToken(base);
		for (const n of [1, 2, 3]) expect((await odata(base, token, 'VendorInvoices', { method: 'POST', body: invoice(n) })).status).toBe(204);
		const limited = await odata(base, token, 'VendorInvoices', { method: 'POST', body: invoice(4) });
		expect(limited.status).toBe(429);
		expect(limited.headers.get('retry-after')).toBe('10');
		expect(((await limited.json()) as { error: { code: string } }).error.code).toBe('0x80072322');
		expect(sandbox.truth('dataverse').invoices).toHaveLength(3);
		sandbox.advanceClock(10_001);
		expect((await odata(base, token, 'VendorInvoices', { method: 'POST', body: invoice(4) })).status).toBe(204);
	});

	it('answers an injected throttle with 429 and the configured Retry-After, storing nothing', async () => {
		sandbox.setFaults('dataverse', { throttle: 1, retryAfterSeconds: 7 });
		const tokenResponse = await requestToken(base);
		expect(tokenResponse.status).toBe(429);
		expect(tokenResponse.headers.get('retry-after')).toBe('7');
		sandbox.setFaults('dataverse', { schedule: [{ write: 1, fault: 'throttle' }], retryAfterSeconds: 7 });
		const fresh = await accessToken(base);
		const response = await odata(base, fresh, 'VendorInvoices', { method: 'POST', body: invoice(1) });
		expect(response.status).toBe(429);
		expect(response.headers.get('retry-after')).toBe('7');
		expect(sandbox.truth('dataverse').invoices).toHaveLength(0);
	});

	it('fails before commit with 503 and stores nothing; commitThenTimeout stores the invoice but resets the socket', async () => {
		sandbox.setFaults('dataverse', { schedule: [{ write: 1, fault: 'failBeforeCommit' }, { write: 2, fault: 'commitThenTimeout' }], failBeforeCommitStatus: 503, commitThenTimeoutMode: 'reset' });
		const token = await accessToken(base);
		expect((await odata(base, token, 'VendorInvoices', { method: 'POST', body: invoice(1) })).status).toBe(503);
		expect(sandbox.truth('dataverse').invoices).toHaveLength(0);
		await expect(odata(base, token, 'VendorInvoices', { method: 'POST', body: invoice(1) })).rejects.toThrow();
		expect(sandbox.truth('dataverse').countByReference).toEqual({ 'REF-1': 1 });
	});
});
