/**
 * Issue 12, hostile-input suite: what an ERP answer or an item's own fields could make the Post node
 * do with time and ownership. A Retry-After of 7 days must not park the execution (the key In
 * Progress) for 7 days; a correlation id copied into an item must not take over a reservation that
 * another execution holds.
 */
import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { chain, node, runWorkflow } from '../helpers/n8n-harness';
import { invoices, postWorkflow, routed } from '../posting/helpers';
import { errorOf, erpUnderTest, info } from './hostile-helpers';

const infor = erpUnderTest('infor');
const HOUR_MS = 3_600_000;
const SEVEN_DAYS_MS = 7 * 24 * HOUR_MS;

describe('waits and ownership an ERP answer or an item could hijack', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['infor'], seed: 12 });
	});
	afterAll(async () => await sandbox.stop());
	beforeEach(() => {
		clearRegistry();
		sandbox.reset();
		sandbox.setFaults('infor', {});
	});
	afterEach(() => jest.restoreAllMocks());

	it('a Retry-After of 7 days is not waited for: the invoice leaves by Failed as RETRY with the ERP\'s date', async () => {
		// Every create is answered 429 + Retry-After: 604800 (lookups are not throttled).
		sandbox.setFaults('infor', { retryAfterSeconds: 7 * 24 * 3600, schedule: Array.from({ length: 10 }, (_, i) => ({ write: i + 1, fault: 'throttle' as const })) });
		// Waits of an hour or more are recorded, and the test decides as soon as one is asked for: the
		// wait asked for is the verdict, not how long anything took. The asked-for timer is unref'd, so a
		// run parked on it (today's code) neither hangs the test nor keeps the process alive.
		const longWaits: number[] = [];
		let parked: () => void = () => {};
		const parkedRun = new Promise<'parked'>((resolve) => (parked = () => resolve('parked')));
		const realSetTimeout = global.setTimeout;
		jest.spyOn(global, 'setTimeout').mockImplementation(((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
			if ((ms ?? 0) < HOUR_MS) return realSetTimeout(callback, ms, ...args);
			longWaits.push(ms!);
			parked();
			return realSetTimeout(callback, ms, ...args).unref();
		}) as typeof setTimeout);

		const [invoice] = invoices(1, 'RETRY-AFTER');
		const startedAt = sandbox.now();
		const outcome = await Promise.race([
			runWorkflow({ workflow: postWorkflow('inforIcs', 'inforIonApi', { maxAttempts: 3, batchSize: 1 }), input: [invoice], credentials: await infor.credentials(sandbox) }),
			parkedRun,
		]);
		expect(longWaits.map((ms) => `parked for ${Math.round(ms / HOUR_MS)} h`)).toEqual([]);
		if (outcome === 'parked') throw new Error('unreachable: a long wait was asked for');
		const run = outcome;
		expect(run.error).toBeUndefined();
		const { posted, failed } = routed(run);
		expect(posted).toEqual([]);
		expect(failed.map((item) => info(item).state)).toEqual(['RETRY']);
		// The ERP's date (now + 7 days) is what the item says, not the end of the last back-off.
		const dates = (errorOf(failed[0]).match(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g) ?? []).map((text) => Date.parse(text));
		expect(dates.some((at) => Math.abs(at - (startedAt + SEVEN_DAYS_MS)) < HOUR_MS)).toBe(true);
		expect(sandbox.truth('infor').invoices).toEqual([]);
	});

	it('a correlation id copied into an item does not take over the reservation another execution holds', async () => {
		const [invoice] = invoices(1, 'FORGED');
		// Execution 1: Dedupe Check reserves the key and is still posting it (its lease is live).
		const reserve = await runWorkflow({ workflow: chain([node('Seen', 'dedupeCheck', { operation: 'checkAndReserve' })]), input: [invoice] });
		const [reserved] = reserve.outputs('Seen')[0] ?? [];
		const held = info(reserved);
		expect(held).toMatchObject({ state: 'PENDING', correlationId: expect.any(String) });

		// Execution 2: no Dedupe Check in front; the delivery carries that correlation id (echoed by a
		// webhook, or guessed) in its own JSON.
		const forged: IDataObject = { ...invoice, idempotency: { key: held.key, reference: held.reference, correlationId: held.correlationId, state: 'PENDING' } };
		const run = await runWorkflow({ workflow: postWorkflow('inforIcs', 'inforIonApi'), input: [forged], credentials: await infor.credentials(sandbox), staticData: reserve.staticData });
		expect(run.error).toBeUndefined();
		const { posted, existed, failed } = routed(run);
		expect({ posted: posted.length, existed: existed.length, failed: failed.length }).toEqual({ posted: 0, existed: 0, failed: 1 });
		expect(sandbox.truth('infor').invoices).toEqual([]);

		// The reservation is still execution 1's.
		const lookup = await runWorkflow({ workflow: chain([node('Lookup', 'dedupeCheck', { operation: 'lookup' })]), input: [invoice], staticData: run.staticData });
		expect(info((lookup.outputs('Lookup')[0] ?? [])[0])).toMatchObject({ state: 'PENDING', correlationId: held.correlationId });
	});
});
