import { deriveReference } from '../../nodes/shared/items';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { DEDUPE, deliver, dedupeWorkflow, invoice, keyOf, OUT } from './dedupe-workflow-fixture';

const checkAndReserve = dedupeWorkflow({ operation: 'checkAndReserve' });
const markPosted = dedupeWorkflow({ operation: 'markPosted', erpId: '={{ $json.erpId }}', response: '={{ { invoiceId: $json.erpId } }}' });

describe('Dedupe Check › Check and Reserve routes each delivery to New, Duplicate, In Progress or Conflict', () => {
	beforeEach(() => clearRegistry());

	it('lets a first delivery through by New, keeping its JSON and adding the idempotency object', async () => {
		const delivery = await deliver(checkAndReserve, [invoice('INV-1', { externalReference: 'REF-INV-1' })]);
		expect(delivery.error).toBeUndefined();
		expect(delivery.outputs(DEDUPE)).toHaveLength(4);
		const [item] = delivery.out(OUT.new);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toMatchObject(invoice('INV-1', { externalReference: 'REF-INV-1' }));
		const info = item.json.idempotency as Record<string, unknown>;
		expect(info).toEqual({
			key: keyOf('INV-1'),
			reference: 'REF-INV-1',
			state: 'PENDING',
			erpId: null,
			attempts: 0,
			correlationId: expect.stringMatching(/^[0-9a-f]{12}$/),
			outcome: 'new',
			firstSeenAt: expect.any(String),
			updatedAt: expect.any(String),
		});
		expect(new Date(info.firstSeenAt as string).toISOString()).toBe(info.firstSeenAt);
		for (const output of [OUT.duplicate, OUT.inProgress, OUT.conflict]) expect(delivery.out(output)).toHaveLength(0);
	});

	it('routes one batch to all four outputs, each item paired with its input', async () => {
		await deliver(checkAndReserve, [invoice('POSTED-1', { erpId: 'ERP-1' }), invoice('BUSY-1'), invoice('CHANGED-1')]);
		await deliver(markPosted, [invoice('POSTED-1', { erpId: 'ERP-1' })]);

		const batch = [invoice('CHANGED-1', { amount: 9999 }), invoice('NEW-1'), invoice('BUSY-1'), invoice('POSTED-1', { erpId: 'ERP-1' })];
		const delivery = await deliver(checkAndReserve, batch);
		const routed = (output: number) => delivery.out(output).map((item) => [item.json.invoiceNumber, item.pairedItem]);
		expect(routed(OUT.new)).toEqual([['NEW-1', { item: 1 }]]);
		expect(routed(OUT.duplicate)).toEqual([['POSTED-1', { item: 3 }]]);
		expect(routed(OUT.inProgress)).toEqual([['BUSY-1', { item: 2 }]]);
		expect(routed(OUT.conflict)).toEqual([['CHANGED-1', { item: 0 }]]);
		expect(delivery.info(OUT.duplicate)[0]).toMatchObject({ state: 'POSTED', erpId: 'ERP-1', outcome: 'duplicate', response: { invoiceId: 'ERP-1' } });
		expect(delivery.info(OUT.inProgress)[0]).toMatchObject({ state: 'PENDING', outcome: 'inProgress' });
		expect(delivery.info(OUT.conflict)[0]).toMatchObject({ state: 'PENDING', outcome: 'conflict', key: keyOf('CHANGED-1') });
		// The conflicting payload never replaced the first one: a re-delivery of the original is still in progress.
		expect((await deliver(checkAndReserve, [invoice('CHANGED-1')])).out(OUT.inProgress)).toHaveLength(1);
	});

	it('sends a key that appears twice in one batch by New once and by In Progress the second time', async () => {
		const delivery = await deliver(checkAndReserve, [invoice('TWICE'), invoice('TWICE')]);
		expect(delivery.out(OUT.new).map((item) => item.pairedItem)).toEqual([{ item: 0 }]);
		expect(delivery.out(OUT.inProgress).map((item) => item.pairedItem)).toEqual([{ item: 1 }]);
	});

	it('answers Conflict for a POSTED key delivered again with another amount', async () => {
		await deliver(checkAndReserve, [invoice('INV-2')]);
		await deliver(markPosted, [invoice('INV-2', { erpId: 'ERP-2' })]);
		const changed = await deliver(checkAndReserve, [invoice('INV-2', { amount: 1600 })]);
		expect(changed.info(OUT.conflict)).toEqual([expect.objectContaining({ state: 'POSTED', erpId: 'ERP-2', outcome: 'conflict' })]);
	});

	it('ignores key order in the payload: the same invoice with fields reordered is not a Conflict', async () => {
		await deliver(checkAndReserve, [{ companyId: 'ACME', invoiceDate: '2026-11-24', invoiceNumber: 'ORD', amount: 10, lines: [{ a: 1, b: 2 }] }]);
		const again = await deliver(checkAndReserve, [{ lines: [{ b: 2, a: 1 }], amount: 10, invoiceNumber: 'ORD', invoiceDate: '2026-11-24', companyId: 'ACME' }]);
		expect(again.out(OUT.inProgress)).toHaveLength(1);
		expect(again.out(OUT.conflict)).toHaveLength(0);
	});

	it('compares only what the Fingerprint parameter names: a changed delivery timestamp is no Conflict', async () => {
		const byBody = dedupeWorkflow({ operation: 'checkAndReserve', fingerprint: '={{ { amount: $json.amount, currency: $json.currency } }}' });
		await deliver(byBody, [invoice('FP-1', { receivedAt: '2026-11-24T09:00:00Z' })]);
		const retried = await deliver(byBody, [invoice('FP-1', { receivedAt: '2026-11-24T09:05:00Z' })]);
		expect(retried.out(OUT.inProgress)).toHaveLength(1);
		const changed = await deliver(byBody, [invoice('FP-1', { amount: 1501 })]);
		expect(changed.out(OUT.conflict)).toHaveLength(1);
	});

	it('derives the reference from the key when the item has none: the same on every re-run, never from the clock', async () => {
		const first = await deliver(checkAndReserve, [invoice('NO-REF')]);
		const reference = first.info(OUT.new)[0].reference;
		expect(reference).toBe(deriveReference(keyOf('NO-REF')));
		expect(reference).toMatch(/^IDK-[0-9A-F]{16}$/);
		clearRegistry(); // even after a restart that lost the ledger, a re-run derives the same reference
		const rerun = await deliver(checkAndReserve, [invoice('NO-REF', { externalReference: '  ' })]);
		expect(rerun.info(OUT.new)[0].reference).toBe(reference);
		expect(deriveReference(keyOf('OTHER'))).not.toBe(reference);
	});

	it('never lets an expired reservation through as New again: it stays In Progress with state UNKNOWN', async () => {
		const shortLease = dedupeWorkflow({ operation: 'checkAndReserve', options: { leaseSeconds: 60 } });
		await deliver(shortLease, [invoice('DIED')]);
		const now = Date.now();
		const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 61_000);
		try {
			const late = await deliver(shortLease, [invoice('DIED')]);
			expect(late.out(OUT.new)).toHaveLength(0);
			expect(late.info(OUT.inProgress)).toEqual([expect.objectContaining({ state: 'UNKNOWN', outcome: 'inProgress' })]);
		} finally {
			clock.mockRestore();
		}
	});
});
