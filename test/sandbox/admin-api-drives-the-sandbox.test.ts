import type { ErpTruth } from '../../sandbox/core/types';
import { adminUrl, answered, call, useSandbox } from './helpers';

describe('the admin API lets a demo or a real n8n drive the sandbox over HTTP', () => {
	const sandbox = useSandbox({ erps: ['generic', 'mendix'] });
	const admin = (path: string) => adminUrl(sandbox(), path);
	const create = (reference: string) => call(`${sandbox().urls.generic}/invoices`, { json: { reference, amount: 1 } });

	it('sets faults, reads truth and the log, resets one ERP, advances the clock', async () => {
		const set = answered(await call(admin('faults/generic'), { method: 'PUT', json: { schedule: [{ write: 1, fault: 'failBeforeCommit' }], failBeforeCommitStatus: 503 } }));
		expect(set.status).toBe(200);
		expect(answered(await create('A-1')).status).toBe(503);
		expect(answered(await create('A-1')).status).toBe(201);
		expect(answered(await create('A-1')).status).toBe(201);

		const truth = answered(await call(admin('truth/generic'))).body as ErpTruth;
		expect(truth.countByReference).toEqual({ 'A-1': 2 });
		expect(truth.duplicates).toEqual(['A-1']);

		const log = answered(await call(admin('log/generic'))).body as Array<{ status: number }>;
		expect(log.map((entry) => entry.status)).toEqual([503, 201, 201]);

		expect(answered(await call(admin('reset/generic'), { method: 'POST' })).status).toBe(200);
		expect((answered(await call(admin('truth/generic'))).body as ErpTruth).invoices).toEqual([]);
		expect(answered(await call(admin('log/generic'))).body).toEqual([]);

		const before = sandbox().now();
		const advanced = answered(await call(admin('clock/advance'), { json: { ms: 3_600_000 } })).body as { now: number };
		expect(advanced.now - before).toBeGreaterThanOrEqual(3_600_000);
	});

	it('refuses unknown ERPs, bad fault bodies and unknown routes with a clear message', async () => {
		expect(answered(await call(admin('truth/sap'))).status).toBe(404);
		const bad = answered(await call(admin('faults/generic'), { method: 'PUT', json: [1, 2] }));
		expect(bad.status).toBe(400);
		expect(bad.body).toEqual({ error: 'Body must be a JSON FaultConfig object' });
		expect(answered(await call(admin('clock/advance'), { json: { ms: 'soon' } })).status).toBe(400);
		expect(answered(await call(admin('nothing'))).status).toBe(404);
		expect(answered(await call(`http://127.0.0.1:${sandbox().port}/sap/invoices`)).status).toBe(404);
	});
});
