import type { IDataObject } from 'n8n-workflow';

import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { deliver, dedupeWorkflow, invoice, keyOf, OUT } from './dedupe-workflow-fixture';

const MB = 1024 * 1024;

/** A webhook item as n8n's Webhook node makes it: the caller's headers beside a body of ~1 MB. */
function webhookItem(invoiceNumber: string): IDataObject {
	return {
		...invoice(invoiceNumber),
		invoiceId: `ERP-${invoiceNumber}`,
		status: 'created',
		headers: { authorization: 'Bearer sender-secret-token', 'x-api-key': 'sender-api-key' },
		attachment: 'x'.repeat(MB),
	};
}

describe('Dedupe Check › markPosted with 1 MB responses: static data stays small, the replay keeps the ids', () => {
	beforeEach(() => clearRegistry());

	it('stores 50 responses of 1 MB each truncated to the cap, without headers, and says so', async () => {
		const numbers = Array.from({ length: 50 }, (_, n) => `BIG-${n}`);
		await deliver(dedupeWorkflow({ operation: 'checkAndReserve' }), numbers.map((number) => invoice(number)));
		const marked = await deliver(
			dedupeWorkflow({ operation: 'markPosted', erpId: '={{ $json.invoiceId }}' }),
			numbers.map(webhookItem),
		);
		expect(marked.out(0)).toHaveLength(50);
		expect(marked.hints('Dedupe Check')).toEqual([expect.objectContaining({ message: expect.stringContaining('50 response(s) were larger than Max Stored Response (4096 bytes)') })]);

		const saved = JSON.stringify(marked.staticData);
		// 50 × 1 MB in: at most 50 × the 4 KB cap (+ the records) out, rewritten after every execution.
		expect(saved.length).toBeLessThan(50 * 4096 + 50 * 400);
		expect(saved).not.toContain('sender-secret-token');
		expect(saved).not.toContain('sender-api-key');

		const replay = await deliver(dedupeWorkflow({ operation: 'checkAndReserve' }), [invoice('BIG-7')]);
		const response = replay.info(OUT.duplicate)[0].response as IDataObject;
		expect(response).toMatchObject({ invoiceId: 'ERP-BIG-7', status: 'created', invoiceNumber: 'BIG-7' });
		expect(response).not.toHaveProperty('attachment');
		expect(response).not.toHaveProperty('headers');
		expect(response._truncated).toMatchObject({ droppedFields: ['attachment'], maxBytes: 4096 });
		expect(JSON.stringify(response).length).toBeLessThanOrEqual(4096);
		expect(replay.info(OUT.duplicate)[0].key).toBe(keyOf('BIG-7'));
	});

	it('keeps a response under the cap whole (headers still dropped), and honours a larger cap when set', async () => {
		await deliver(dedupeWorkflow({ operation: 'checkAndReserve' }), [invoice('SMALL'), invoice('LARGE')]);
		const small = { ...invoice('SMALL'), invoiceId: 'ERP-SMALL', headers: { authorization: 'Bearer t' }, lines: [{ sku: 'A', quantity: 2 }] };
		await deliver(dedupeWorkflow({ operation: 'markPosted', erpId: '={{ $json.invoiceId }}' }), [small]);
		const large = { ...invoice('LARGE'), invoiceId: 'ERP-LARGE', notes: 'n'.repeat(10_000) };
		const raised = await deliver(dedupeWorkflow({ operation: 'markPosted', erpId: '={{ $json.invoiceId }}', options: { maxResponseBytes: 20_000 } }), [large]);
		expect(raised.hints('Dedupe Check')).toEqual([]);

		const replay = await deliver(dedupeWorkflow({ operation: 'checkAndReserve' }), [invoice('SMALL'), invoice('LARGE')]);
		const [smallReplay, largeReplay] = replay.info(OUT.duplicate).map((info) => info.response as IDataObject);
		const { headers: _headers, ...withoutHeaders } = small;
		expect(smallReplay).toEqual(withoutHeaders);
		expect(largeReplay).toEqual(large);
	});
});
