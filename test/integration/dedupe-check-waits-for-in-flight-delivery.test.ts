import { sleep } from 'n8n-workflow';

import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { deliver, dedupeWorkflow, invoice, OUT, type Delivery } from './dedupe-workflow-fixture';

const reserve = dedupeWorkflow({ operation: 'checkAndReserve' });
const reserveAndWait = (seconds: number) => dedupeWorkflow({ operation: 'checkAndReserve', options: { waitForInFlightSeconds: seconds } });
const markPosted = dedupeWorkflow({ operation: 'markPosted', erpId: '={{ $json.erpId }}', response: '={{ { invoiceId: $json.erpId } }}' });
const release = dedupeWorkflow({ operation: 'release' });
const markRetryable = dedupeWorkflow({ operation: 'markFailed', error: '503', retryable: true });

/** Starts a delivery and tells whether it has finished yet (to show that it is really waiting). */
function start(delivery: Promise<Delivery>) {
	const state = { finished: false };
	const result = delivery.then((value) => {
		state.finished = true;
		return value;
	});
	return { state, result };
}

describe('Dedupe Check › Wait For In-Flight: a retried delivery waits for the first one instead of failing fast', () => {
	beforeEach(() => clearRegistry());

	it('waits while the first delivery posts, then leaves by Duplicate with the stored response', async () => {
		const first = await deliver(reserve, [invoice('INV-1')]);
		expect(first.out(OUT.new)).toHaveLength(1);
		const second = start(deliver(reserveAndWait(20), [invoice('INV-1')]));
		await sleep(600);
		expect(second.state.finished).toBe(false); // still waiting for the first delivery
		await deliver(markPosted, [invoice('INV-1', { erpId: 'ERP-1' })]);
		const waited = await second.result;
		expect(waited.out(OUT.inProgress)).toHaveLength(0);
		expect(waited.info(OUT.duplicate)).toEqual([
			expect.objectContaining({ state: 'POSTED', erpId: 'ERP-1', outcome: 'duplicate', response: { invoiceId: 'ERP-1' } }),
		]);
	});

	it('leaves by In Progress when the wait runs out before the first delivery finishes', async () => {
		await deliver(reserve, [invoice('SLOW')]);
		const waited = await deliver(reserveAndWait(1), [invoice('SLOW')]);
		expect(waited.out(OUT.duplicate)).toHaveLength(0);
		expect(waited.info(OUT.inProgress)).toEqual([expect.objectContaining({ state: 'PENDING', outcome: 'inProgress' })]);
	});

	it('takes the key as New when the first delivery releases it during the wait', async () => {
		await deliver(reserve, [invoice('GIVEN-BACK')]);
		const second = start(deliver(reserveAndWait(20), [invoice('GIVEN-BACK')]));
		await sleep(600);
		expect(second.state.finished).toBe(false);
		await deliver(release, [invoice('GIVEN-BACK')]);
		expect((await second.result).info(OUT.new)).toEqual([expect.objectContaining({ state: 'PENDING', outcome: 'new' })]);
	});

	it('takes the key as New when the first delivery fails with nothing committed (retryable)', async () => {
		await deliver(reserve, [invoice('FLAKY')]);
		const second = start(deliver(reserveAndWait(20), [invoice('FLAKY')]));
		await sleep(600);
		await deliver(markRetryable, [invoice('FLAKY')]);
		expect((await second.result).info(OUT.new)).toEqual([expect.objectContaining({ outcome: 'new', attempts: 1 })]);
	});

	it('does not wait for a key the same run reserved a moment ago (same invoice twice in one batch)', async () => {
		// A wait for itself would run 100 s, past the test's timeout: the test would fail.
		const delivery = await deliver(reserveAndWait(100), [invoice('TWICE'), invoice('TWICE')]);
		expect(delivery.out(OUT.new)).toHaveLength(1);
		expect(delivery.out(OUT.inProgress)).toHaveLength(1);
	});

	it('sends all 20 concurrent waiting deliveries out by Duplicate with the response once the first posts; none by New', async () => {
		const first = await deliver(reserve, [invoice('BURST')]);
		expect(first.out(OUT.new)).toHaveLength(1);
		const waiting = Array.from({ length: 20 }, () => deliver(reserveAndWait(20), [invoice('BURST')]));
		await sleep(600);
		await deliver(markPosted, [invoice('BURST', { erpId: 'ERP-B' })]);
		const results = await Promise.all(waiting);
		const count = (output: number) => results.reduce((sum, result) => sum + result.out(output).length, 0);
		expect(count(OUT.new)).toBe(0);
		expect(count(OUT.duplicate)).toBe(20);
		expect(results.every((result) => (result.info(OUT.duplicate)[0].response as { invoiceId: string }).invoiceId === 'ERP-B')).toBe(true);
	});

	it('lets exactly one of 20 waiting deliveries retake a key the first delivery gave back as retryable; the others wait for it', async () => {
		await deliver(reserve, [invoice('RETAKE')]);
		// Long waits, so that no verdict depends on a wait running out on a busy machine: the 19 others
		// are ended by the retaker's post, not by their clock.
		const waiting = Array.from({ length: 20 }, () => deliver(reserveAndWait(20), [invoice('RETAKE')]));
		await sleep(600);
		await deliver(markRetryable, [invoice('RETAKE')]);
		// The first to finish is the one that retook the key; the others are still waiting for it.
		const retaker = await Promise.race(waiting);
		expect(retaker.info(OUT.new)).toEqual([expect.objectContaining({ outcome: 'new', state: 'PENDING' })]);
		await deliver(markPosted, [invoice('RETAKE', { erpId: 'ERP-R' })]);
		const results = await Promise.all(waiting);
		const count = (output: number) => results.reduce((sum, result) => sum + result.out(output).length, 0);
		expect(count(OUT.new)).toBe(1);
		expect(count(OUT.duplicate)).toBe(19);
		expect(count(OUT.inProgress)).toBe(0);
	});
});
