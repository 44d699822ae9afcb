import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import type { ErpTruth, FaultConfig } from '../../sandbox/core/types';
import { call, inforApi, inforInvoice, inforToken } from './helpers';

/** Shares only (no schedule): whether a fault hits must come from the seeded stream alone. */
const SHARED_FAULTS: FaultConfig = {
	failBeforeCommit: 0.2,
	commitThenTimeout: 0.15,
	commitThenTimeoutMode: 'reset',
	throttle: 0.1,
	dropConnection: 0.1,
	latencyMs: 5,
	jitterMs: 5,
};

interface Run {
	outcomes: string[];
	truth: ErpTruth;
}

/** A fixed request sequence: singles (some references repeated) and batches, strictly one after the other. */
async function runSequence(sandbox: Sandbox): Promise<Run> {
	let token = '';
	for (let attempt = 0; attempt < 20 && !token; attempt += 1) token = await inforToken(sandbox).catch(() => '');
	const headers = { authorization: `Bearer ${token}` };
	const outcomes: string[] = [];
	const record = (result: Awaited<ReturnType<typeof call>>) => outcomes.push(result.kind === 'response' ? String(result.status) : result.code);
	for (let n = 1; n <= 24; n += 1) record(await call(`${inforApi(sandbox)}/invoices`, { json: inforInvoice(n % 9), headers }));
	for (let b = 0; b < 4; b += 1) {
		const invoices = Array.from({ length: 4 }, (_, index) => inforInvoice(100 + b * 4 + index));
		record(await call(`${inforApi(sandbox)}/invoices/batch`, { json: { invoices }, headers }));
	}
	return { outcomes, truth: sandbox.truth('infor') };
}

async function runOnFreshSandbox(seed: number): Promise<Run> {
	const sandbox = await startSandbox({ erps: ['infor'], seed, clock: 'manual', faults: { infor: SHARED_FAULTS } });
	try {
		return await runSequence(sandbox);
	} finally {
		await sandbox.stop();
	}
}

describe('the same seed and the same request sequence give the same faults and the same ground truth', () => {
	it('on two fresh sandboxes, and again after a reset of the same one', async () => {
		const first = await runOnFreshSandbox(7);
		const second = await runOnFreshSandbox(7);
		expect(second.outcomes).toEqual(first.outcomes);
		expect(second.truth).toEqual(first.truth);

		// The faults really happened, or this test would prove nothing.
		for (const kind of ['201', '500', '429', 'reset']) expect(first.outcomes).toContain(kind);
		expect(first.truth.duplicates.length).toBeGreaterThan(0);

		const sandbox = await startSandbox({ erps: ['infor'], seed: 7, clock: 'manual', faults: { infor: SHARED_FAULTS } });
		try {
			await runSequence(sandbox);
			sandbox.reset();
			const afterReset = await runSequence(sandbox);
			expect(afterReset.truth.countByReference).toEqual(first.truth.countByReference);
			expect(afterReset.truth.invoices.map((invoice) => invoice.id)).toEqual(first.truth.invoices.map((invoice) => invoice.id));
		} finally {
			await sandbox.stop();
		}
	});

	it('another seed gives another fault sequence', async () => {
		const [seven, eight] = [await runOnFreshSandbox(7), await runOnFreshSandbox(8)];
		expect(eight.outcomes).not.toEqual(seven.outcomes);
	});
});
