import { adminUrl, answered, call, inforApi, inforInvoice, inforToken, useSandbox } from './helpers';

describe('Infor tokens expire on the sandbox clock', () => {
	const sandbox = useSandbox({ erps: ['infor'], tokenTtlMs: 60_000 });

	const create = (token: string, n: number) =>
		call(`${inforApi(sandbox())}/invoices`, { json: inforInvoice(n), headers: { authorization: `Bearer ${token}` } });

	it('answers expires_in from the TTL, then 401 TOKEN_EXPIRED once the clock passed it, and a new token works', async () => {
		const token = await inforToken(sandbox());
		expect(answered(await create(token, 1)).status).toBe(201);

		sandbox().advanceClock(59_000);
		expect(answered(await create(token, 2)).status).toBe(201);

		// Over the admin API, as the demo and the real-n8n tests do.
		const advanced = answered(await call(adminUrl(sandbox(), 'clock/advance'), { json: { ms: 2_000 } }));
		expect(advanced.status).toBe(200);

		const expired = answered(await create(token, 3));
		expect(expired.status).toBe(401);
		expect(expired.body).toEqual({ error: { code: 'TOKEN_EXPIRED', message: 'The access token expired' } });
		expect(expired.headers['www-authenticate']).toContain('invalid_token');

		const fresh = await inforToken(sandbox());
		expect(answered(await create(fresh, 3)).status).toBe(201);
		expect(Object.keys(sandbox().truth('infor').countByReference)).toEqual(['REF-1', 'REF-2', 'REF-3']);
	});

	it('a per-ERP tokenTtlMs fault overrides the sandbox default', async () => {
		sandbox().setFaults('infor', { tokenTtlMs: 1_000 });
		const token = await inforToken(sandbox());
		sandbox().advanceClock(1_000);
		expect(answered(await create(token, 4)).status).toBe(401);
	});
});
