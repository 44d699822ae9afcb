import type { IDataObject } from 'n8n-workflow';

import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { deliver, dedupeWorkflow, invoice, keyOf, OUT } from './dedupe-workflow-fixture';

const byField = { idempotencyKey: '={{ $json.key }}' };
const checkAndReserve = dedupeWorkflow({ operation: 'checkAndReserve', ...byField });

describe('Dedupe Check › an unusable idempotency key is a clear per-item error, never a silent pass', () => {
	beforeEach(() => clearRegistry());

	it.each<[string, unknown, string]>([
		['empty', '', 'Idempotency Key is empty [item 1]'],
		['blank', '   ', 'Idempotency Key is empty [item 1]'],
		['missing', undefined, 'Idempotency Key is empty [item 1]'],
		['null', null, 'Idempotency Key is empty [item 1]'],
		['an object', { id: 7 }, 'Idempotency Key must be a string, got object [item 1]'],
		['a boolean', true, 'Idempotency Key must be a string, got boolean [item 1]'],
		['too long', 'K'.repeat(513), 'Idempotency Key is 513 characters long; at most 512 are allowed [item 1]'],
	])('fails the run when the key of item 1 is %s, naming the item and the parameter', async (_, key, message) => {
		const input: IDataObject[] = [{ key: 'GOOD-0', amount: 1 }, key === undefined ? { amount: 2 } : { key: key as IDataObject[string], amount: 2 }];
		const delivery = await deliver(checkAndReserve, input);
		expect(delivery.error).toContain(message);
	});

	it('accepts a numeric key (an invoice number from a spreadsheet) as its digits', async () => {
		const delivery = await deliver(checkAndReserve, [{ key: 4217 }]);
		expect(delivery.info(OUT.new)).toEqual([expect.objectContaining({ key: '4217' })]);
	});

	it('reads a key given as {{ $json.field }} exactly as n8n evaluates any other expression of it', async () => {
		// `$json.key` is read from the item directly (items.ts: itemParameter); `$json["key"]` goes through n8n's engine.
		const input: IDataObject[] = [{ key: 4217 }, { key: '  INV-7  ' }, { key: 'Ærø-№5' }, { key: 'INV-7' }];
		const direct = await deliver(checkAndReserve, input);
		clearRegistry();
		const evaluated = await deliver(dedupeWorkflow({ operation: 'checkAndReserve', idempotencyKey: '={{ $json["key"] }}' }), input);
		for (const output of [OUT.new, OUT.duplicate, OUT.inProgress, OUT.conflict]) {
			expect(direct.info(output).map((info) => info.key)).toEqual(evaluated.info(output).map((info) => info.key));
		}
		expect(direct.info(OUT.new).map((info) => info.key)).toEqual(['4217', 'INV-7', 'Ærø-№5']);
	});

	it('accepts a key of exactly 512 characters', async () => {
		expect((await deliver(checkAndReserve, [{ key: 'K'.repeat(512) }])).out(OUT.new)).toHaveLength(1);
	});

	it('leaves no reservation behind when the run fails on a later item: the corrected batch goes through as New', async () => {
		const failed = await deliver(checkAndReserve, [{ key: 'GOOD-0' }, { key: '' }]);
		expect(failed.error).toContain('Idempotency Key is empty [item 1]');
		const corrected = await deliver(checkAndReserve, [{ key: 'GOOD-0' }, { key: 'GOOD-1' }]);
		expect(corrected.out(OUT.new).map((item) => item.json.key)).toEqual(['GOOD-0', 'GOOD-1']);
	});

	it.each([
		['continueOnFail: true', { continueOnFail: true }],
		["onError: 'continueRegularOutput'", { onError: 'continueRegularOutput' as const }],
	])('with %s, routes the bad item to Conflict with its error and lets the others through', async (_, nodeFields) => {
		const tolerant = dedupeWorkflow({ operation: 'checkAndReserve', ...byField }, { nodeFields });
		const delivery = await deliver(tolerant, [{ key: 'GOOD-0', amount: 1 }, { key: '', amount: 2 }, { key: 'GOOD-2', amount: 3 }]);
		expect(delivery.error).toBeUndefined();
		expect(delivery.out(OUT.new).map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 2 }]);
		const [bad] = delivery.out(OUT.conflict);
		expect(bad.pairedItem).toEqual({ item: 1 });
		expect(bad.json).toMatchObject({ key: '', amount: 2, error: expect.stringContaining('Idempotency Key is empty [item 1]') });
		expect(bad.json.idempotency).toMatchObject({ outcome: 'error', error: expect.stringContaining('Idempotency Key is empty [item 1]') });
	});

	it.each(['markPosted', 'markFailed', 'release', 'lookup'])('%s also fails the item with an empty key, naming it', async (operation) => {
		const delivery = await deliver(dedupeWorkflow({ operation, ...byField }), [{ key: '' }]);
		expect(delivery.error).toContain('Idempotency Key is empty [item 0]');
	});

	it('lookup with Continue On Fail answers the good keys and reports the bad one', async () => {
		await deliver(dedupeWorkflow({ operation: 'checkAndReserve' }), [invoice('SEEN')]);
		const tolerant = dedupeWorkflow({ operation: 'lookup' }, { nodeFields: { continueOnFail: true } });
		const delivery = await deliver(tolerant, [invoice('SEEN'), { amount: 1 }]);
		expect(delivery.out(0).map((item) => (item.json.idempotency as IDataObject).outcome)).toEqual(['found', 'error']);
		expect(delivery.out(0)[0].json.idempotency).toMatchObject({ key: keyOf('SEEN') });
		expect(delivery.out(0)[1].json.error).toMatch(/^Idempotency Key .* \[item 1\]$/);
	});
});

describe('Dedupe Check › a key built from missing fields', () => {
	beforeEach(() => clearRegistry());

	it('refuses "--" (companyId, invoiceDate and invoiceNumber all missing) instead of giving every such item one shared key', async () => {
		const delivery = await deliver(dedupeWorkflow({ operation: 'checkAndReserve' }), [invoice('OK-1'), { amount: 5 }]);
		expect(delivery.error).toMatch(/^Idempotency Key "--" has no letter or digit: .* \[item 1\]$/);
	});

	it('accepts a key in any script (letters are not only ASCII)', async () => {
		const delivery = await deliver(dedupeWorkflow({ operation: 'checkAndReserve', idempotencyKey: '={{ $json.key }}' }), [{ key: 'Rechnung-Größe' }, { key: '請求書' }]);
		expect(delivery.out(OUT.new)).toHaveLength(2);
	});
});
