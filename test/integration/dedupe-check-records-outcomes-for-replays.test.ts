import type { IDataObject } from 'n8n-workflow';

import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { DEDUPE, deliver, dedupeWorkflow, invoice, keyOf, OUT } from './dedupe-workflow-fixture';

const checkAndReserve = dedupeWorkflow({ operation: 'checkAndReserve' });
const markPosted = dedupeWorkflow({
	operation: 'markPosted',
	erpId: '={{ $json.erpId }}',
	response: '={{ { invoiceId: $json.erpId, status: "created" } }}',
});
const markFailed = dedupeWorkflow({ operation: 'markFailed', error: '={{ $json.reason }}' });
const markRetryable = dedupeWorkflow({ operation: 'markFailed', error: '={{ $json.reason }}', retryable: true });
const release = dedupeWorkflow({ operation: 'release' });
const lookup = dedupeWorkflow({ operation: 'lookup' });
const list = (options: IDataObject = {}) => dedupeWorkflow({ operation: 'list', options });
const purge = (options: IDataObject = {}) => dedupeWorkflow({ operation: 'purge', options });

const keysOf = (items: Array<{ json: IDataObject }>) => items.map((item) => (item.json.idempotency as IDataObject).key);

describe('Dedupe Check › Mark Posted, Mark Failed, Release, Lookup, List and Purge', () => {
	beforeEach(() => clearRegistry());

	it('Mark Posted stores the ERP id and the response; a later delivery leaves by Duplicate carrying that response', async () => {
		await deliver(checkAndReserve, [invoice('INV-1')]);
		const marked = await deliver(markPosted, [invoice('INV-1', { erpId: 'ERP-100' })]);
		expect(marked.out(0)).toHaveLength(1);
		expect(marked.out(0)[0].json).toMatchObject({ invoiceNumber: 'INV-1', erpId: 'ERP-100' });
		expect(marked.info(0)[0]).toMatchObject({ key: keyOf('INV-1'), state: 'POSTED', erpId: 'ERP-100', outcome: 'posted' });

		const replay = await deliver(checkAndReserve, [invoice('INV-1')]);
		expect(replay.out(OUT.new)).toHaveLength(0);
		expect(replay.info(OUT.duplicate)).toEqual([
			expect.objectContaining({ state: 'POSTED', erpId: 'ERP-100', outcome: 'duplicate', response: { invoiceId: 'ERP-100', status: 'created' } }),
		]);
	});

	it('Mark Posted for a key nobody reserved records it, and any later payload of that key is a Duplicate', async () => {
		await deliver(markPosted, [invoice('IMPORTED', { erpId: 'ERP-OLD' })]);
		const replay = await deliver(checkAndReserve, [invoice('IMPORTED', { amount: 42 })]);
		expect(replay.info(OUT.duplicate)).toEqual([expect.objectContaining({ erpId: 'ERP-OLD', state: 'POSTED' })]);
	});

	it('Mark Posted keeps its record over a restart: the replay still carries the response', async () => {
		await deliver(checkAndReserve, [invoice('INV-R')]);
		const marked = await deliver(markPosted, [invoice('INV-R', { erpId: 'ERP-R' })]);
		expect(marked.staticDataChanged).toBe(true);
		clearRegistry();
		const replay = await deliver(checkAndReserve, [invoice('INV-R')], { staticData: marked.staticData });
		expect(replay.info(OUT.duplicate)[0]).toMatchObject({ erpId: 'ERP-R', response: { invoiceId: 'ERP-R', status: 'created' } });
	});

	it('Mark Failed (permanent) keeps the reason; the next delivery is a Duplicate in state FAILED, in the review list', async () => {
		await deliver(checkAndReserve, [invoice('BAD-VAT')]);
		const failed = await deliver(markFailed, [invoice('BAD-VAT', { reason: 'VAT code Z9 unknown' })]);
		expect(failed.info(0)[0]).toMatchObject({ state: 'FAILED', outcome: 'failed', error: 'VAT code Z9 unknown', attempts: 1 });
		const again = await deliver(checkAndReserve, [invoice('BAD-VAT')]);
		expect(again.info(OUT.duplicate)[0]).toMatchObject({ state: 'FAILED', error: 'VAT code Z9 unknown' });
		const review = await deliver(list({ states: ['FAILED'] }), [{}]);
		expect(keysOf(review.out(0))).toEqual([keyOf('BAD-VAT')]);
	});

	it('Mark Failed with Retryable puts the key in RETRY: the next delivery is New again, attempts kept', async () => {
		await deliver(checkAndReserve, [invoice('FLAKY')]);
		const retry = await deliver(markRetryable, [invoice('FLAKY', { reason: '503 from ERP' })]);
		expect(retry.info(0)[0]).toMatchObject({ state: 'RETRY', outcome: 'retry', error: '503 from ERP', attempts: 1 });
		const next = await deliver(checkAndReserve, [invoice('FLAKY')]);
		expect(next.info(OUT.new)).toEqual([expect.objectContaining({ state: 'PENDING', outcome: 'new', attempts: 1 })]);
	});

	it('Mark Failed refuses a POSTED key: the run fails naming the key, and the record stays POSTED', async () => {
		await deliver(checkAndReserve, [invoice('DONE')]);
		await deliver(markPosted, [invoice('DONE', { erpId: 'ERP-D' })]);
		const refused = await deliver(markFailed, [invoice('DONE', { reason: 'late failure' })]);
		expect(refused.error).toBe(`key "${keyOf('DONE')}" is POSTED; it cannot become FAILED`);
		expect((await deliver(lookup, [invoice('DONE')])).info(0)[0]).toMatchObject({ state: 'POSTED', erpId: 'ERP-D' });
	});

	it('Release forgets a FAILED key so the fixed invoice is New again', async () => {
		await deliver(checkAndReserve, [invoice('FIXED')]);
		await deliver(markFailed, [invoice('FIXED', { reason: 'customer missing' })]);
		const released = await deliver(release, [invoice('FIXED')]);
		expect(released.info(0)[0]).toMatchObject({ key: keyOf('FIXED'), outcome: 'released', state: null });
		expect((await deliver(checkAndReserve, [invoice('FIXED')])).out(OUT.new)).toHaveLength(1);
	});

	it('Release refuses a POSTED key (that would allow a second invoice) and says notFound for an unknown key', async () => {
		await deliver(checkAndReserve, [invoice('POSTED')]);
		await deliver(markPosted, [invoice('POSTED', { erpId: 'ERP-P' })]);
		const refused = await deliver(release, [invoice('POSTED')]);
		expect(refused.error).toContain('releasing it would allow a second invoice');
		expect((await deliver(checkAndReserve, [invoice('POSTED')])).out(OUT.duplicate)).toHaveLength(1);
		const unknown = await deliver(release, [invoice('NEVER')]);
		expect(unknown.info(0)[0]).toMatchObject({ key: keyOf('NEVER'), outcome: 'notFound' });
	});

	it('Lookup reads each key: found with its state, notFound with nulls; the input JSON is kept', async () => {
		await deliver(checkAndReserve, [invoice('SEEN')]);
		const found = await deliver(lookup, [invoice('SEEN'), invoice('UNSEEN')]);
		expect(found.out(0).map((item) => [item.json.invoiceNumber, item.pairedItem])).toEqual([
			['SEEN', { item: 0 }],
			['UNSEEN', { item: 1 }],
		]);
		expect(found.info(0)).toEqual([
			expect.objectContaining({ key: keyOf('SEEN'), state: 'PENDING', outcome: 'found' }),
			expect.objectContaining({ key: keyOf('UNSEEN'), state: null, erpId: null, reference: null, outcome: 'notFound', attempts: 0 }),
		]);
	});

	it('List is the review queue: by state, by age, one item per record (an expired lease listed as UNKNOWN)', async () => {
		const start = Date.now();
		const clock = jest.spyOn(Date, 'now').mockReturnValue(start);
		try {
			await deliver(dedupeWorkflow({ operation: 'checkAndReserve', options: { leaseSeconds: 60 } }), [invoice('STUCK')]);
			clock.mockReturnValue(start + 30 * 60_000);
			await deliver(checkAndReserve, [invoice('OK'), invoice('BROKEN')]);
			await deliver(markPosted, [invoice('OK', { erpId: 'ERP-OK' })]);
			await deliver(markFailed, [invoice('BROKEN', { reason: 'rejected' })]);
			clock.mockReturnValue(start + 45 * 60_000);

			expect(keysOf((await deliver(list(), [{}])).out(0)).sort()).toEqual([keyOf('BROKEN'), keyOf('OK'), keyOf('STUCK')]);
			const unknown = await deliver(list({ states: ['UNKNOWN'] }), [{}]);
			expect(unknown.info(0)).toEqual([expect.objectContaining({ key: keyOf('STUCK'), state: 'UNKNOWN', outcome: 'listed' })]);
			expect(keysOf((await deliver(list({ states: ['PENDING'] }), [{}])).out(0))).toEqual([]);
			expect(keysOf((await deliver(list({ olderThanMinutes: 40 }), [{}])).out(0))).toEqual([keyOf('STUCK')]);
			expect(keysOf((await deliver(list({ olderThanMinutes: 10, states: ['FAILED', 'UNKNOWN'] }), [{}])).out(0)).sort()).toEqual([
				keyOf('BROKEN'),
				keyOf('STUCK'),
			]);
		} finally {
			clock.mockRestore();
		}
	});

	it('List runs once, whatever the number of input items', async () => {
		await deliver(checkAndReserve, [invoice('ONE')]);
		const listed = await deliver(list(), [{}, {}, {}]);
		expect(listed.out(0)).toHaveLength(1);
	});

	it('Purge deletes POSTED and FAILED by default, says which, and leaves records in flight', async () => {
		await deliver(checkAndReserve, [invoice('P'), invoice('F'), invoice('BUSY')]);
		await deliver(markPosted, [invoice('P', { erpId: 'ERP-P' })]);
		await deliver(markFailed, [invoice('F', { reason: 'x' })]);
		const purged = await deliver(purge(), [{}]);
		expect(purged.out(0)).toHaveLength(1);
		expect(purged.out(0)[0].json.purged).toBe(2);
		expect((purged.out(0)[0].json.keys as string[]).sort()).toEqual([keyOf('F'), keyOf('P')]);
		expect(keysOf((await deliver(list(), [{}])).out(0))).toEqual([keyOf('BUSY')]);
	});

	it('Purge by state removes only those records', async () => {
		await deliver(checkAndReserve, [invoice('P'), invoice('F')]);
		await deliver(markPosted, [invoice('P', { erpId: 'ERP-P' })]);
		await deliver(markFailed, [invoice('F', { reason: 'x' })]);
		const purged = await deliver(purge({ states: ['FAILED'] }), [{}]);
		expect(purged.out(0)[0].json).toEqual({ purged: 1, keys: [keyOf('F')] });
		expect((await deliver(checkAndReserve, [invoice('P')])).out(OUT.duplicate)).toHaveLength(1);
		expect(purged.outputs(DEDUPE)).toHaveLength(1);
	});
});
