import type { Sandbox } from '../../sandbox';
import type { FaultConfig } from '../../sandbox/core/types';
import { MENDIX_SERVICE_PATH } from '../../sandbox/erps/mendix/simulator';
import type { Answer, NoAnswer } from './helpers';
import { answered, basicAuth, call, eventually, inforApi, inforInvoice, inforToken, useSandbox } from './helpers';

/** How to create one invoice on each ERP; every fault below must be visible the same way on all three. */
interface Driver {
	erp: 'infor' | 'generic' | 'mendix';
	createdStatus: number;
	create(sandbox: Sandbox, n: number, timeoutMs?: number): Promise<Answer | NoAnswer>;
}

let inforBearer = '';
const drivers: Driver[] = [
	{
		erp: 'infor',
		createdStatus: 201,
		create: (sandbox, n, timeoutMs) =>
			call(`${inforApi(sandbox)}/invoices`, { json: inforInvoice(n), headers: { authorization: `Bearer ${inforBearer}` }, timeoutMs }),
	},
	{
		erp: 'generic',
		createdStatus: 201,
		create: (sandbox, n, timeoutMs) =>
			call(`${sandbox.urls.generic}/invoices`, { json: { reference: `REF-${n}`, invoiceNumber: `INV-${n}`, amount: n }, timeoutMs }),
	},
	{
		erp: 'mendix',
		createdStatus: 201,
		create: (sandbox, n, timeoutMs) =>
			call(`${sandbox.urls.mendix}${MENDIX_SERVICE_PATH}`, {
				json: { transactionId: `REF-${n}`, invoiceNumber: `INV-${n}`, amount: n },
				headers: { authorization: basicAuth('InvoiceApiUser', 'demo-mendix-password') },
				timeoutMs,
			}),
	},
];

describe.each(drivers)('faults on $erp are observable by a client and in the ground truth', (driver) => {
	const sandbox = useSandbox({ erps: [driver.erp], seed: 42 });
	const stored = () => sandbox().truth(driver.erp).invoices.length;
	const withFaults = (faults: FaultConfig) => sandbox().setFaults(driver.erp, faults);

	beforeAll(async () => {
		if (driver.erp === 'infor') inforBearer = await inforToken(sandbox());
	});
	beforeEach(() => {
		sandbox().reset(driver.erp);
		withFaults({});
	});

	it('latency: the answer comes no sooner than latencyMs, and a client timeout shorter than it sees no answer', async () => {
		withFaults({ latencyMs: 400, jitterMs: 0 });
		const started = Date.now();
		const answer = answered(await driver.create(sandbox(), 1));
		expect(answer.status).toBe(driver.createdStatus);
		expect(Date.now() - started).toBeGreaterThanOrEqual(380);

		const gaveUp = await driver.create(sandbox(), 2, 100);
		expect(gaveUp).toEqual({ kind: 'failure', code: 'timeout' });
		// The ERP does not notice that the client gave up: the write still lands once the latency is over.
		await eventually(() => expect(stored()).toBe(2));
	});

	it('commitThenTimeout hold: the answer is held until the client gives up, yet the invoice is stored', async () => {
		withFaults({ commitThenTimeout: 1, commitThenTimeoutMode: 'hold' });
		const result = await driver.create(sandbox(), 1, 100);
		expect(result).toEqual({ kind: 'failure', code: 'timeout' });
		expect(stored()).toBe(1);
	});

	it('commitThenTimeout hold: a patient client gets the real answer after holdMs', async () => {
		withFaults({ commitThenTimeout: 1, commitThenTimeoutMode: 'hold', holdMs: 300 });
		// No client timeout: only the sandbox's holdMs can end the wait.
		expect(answered(await driver.create(sandbox(), 1)).status).toBe(driver.createdStatus);
		expect(sandbox().requestLog(driver.erp).map((entry) => entry.delivery)).toContain('hold');
	});

	it('commitThenTimeout reset: the socket is destroyed, yet the invoice is stored', async () => {
		withFaults({ commitThenTimeout: 1, commitThenTimeoutMode: 'reset' });
		expect(await driver.create(sandbox(), 1)).toEqual({ kind: 'failure', code: 'reset' });
		expect(stored()).toBe(1);
	});

	it.each([500, 503] as const)('failBeforeCommit %i: the status, and nothing stored', async (status) => {
		withFaults({ failBeforeCommit: 1, failBeforeCommitStatus: status });
		expect(answered(await driver.create(sandbox(), 1)).status).toBe(status);
		expect(stored()).toBe(0);
	});

	it('throttle: 429 with Retry-After, and nothing stored', async () => {
		withFaults({ throttle: 1, retryAfterSeconds: 7 });
		const answer = answered(await driver.create(sandbox(), 1));
		expect(answer.status).toBe(429);
		expect(answer.headers['retry-after']).toBe('7');
		expect(stored()).toBe(0);
	});

	it('dropConnection: the socket is destroyed before the ERP runs, nothing stored', async () => {
		withFaults({ dropConnection: 1 });
		expect(await driver.create(sandbox(), 1)).toEqual({ kind: 'failure', code: 'reset' });
		expect(stored()).toBe(0);
		expect(sandbox().requestLog(driver.erp).map((entry) => entry.delivery)).toEqual(['dropped']);
	});

	it('schedule beats shares: write 2 is throttled although every write should fail before commit', async () => {
		withFaults({ failBeforeCommit: 1, schedule: [{ write: 2, fault: 'throttle' }] });
		const statuses: number[] = [];
		for (let n = 1; n <= 3; n += 1) statuses.push(answered(await driver.create(sandbox(), n)).status);
		expect(statuses).toEqual([500, 429, 500]);
		expect(stored()).toBe(0);
	});

	it('shares apply to about their share of writes, deterministically for the seed', async () => {
		withFaults({ failBeforeCommit: 0.5 });
		const statuses: number[] = [];
		for (let n = 1; n <= 20; n += 1) statuses.push(answered(await driver.create(sandbox(), n)).status);
		const failed = statuses.filter((status) => status === 500).length;
		expect(failed).toBeGreaterThan(3);
		expect(failed).toBeLessThan(17);
		expect(stored()).toBe(20 - failed);
	});
});
