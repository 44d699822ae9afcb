import type { IDataObject } from 'n8n-workflow';

import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { persistedKeys } from '../../nodes/shared/ledger/staticData/store';
import { chain, node } from '../helpers/n8n-harness';
import { deliver, dedupeWorkflow, invoice, KEY_EXPRESSION, keyOf, OUT } from './dedupe-workflow-fixture';

const MANUAL_HINT = 'n8n does not save workflow static data for manual executions';

describe('Dedupe Check › which ledger a delivery meets, and what the user is told', () => {
	beforeEach(() => clearRegistry());

	it('warns in a manual (editor) run that its records are not persisted, and keeps them for the next run of the process', async () => {
		const workflow = dedupeWorkflow({ operation: 'checkAndReserve' });
		const manual = await deliver(workflow, [invoice('TRY-1')], { mode: 'manual' });
		expect(manual.hints('Dedupe Check')).toEqual([expect.objectContaining({ type: 'warning', message: expect.stringContaining(MANUAL_HINT) })]);
		const again = await deliver(workflow, [invoice('TRY-1')], { mode: 'manual' });
		expect(again.out(OUT.inProgress)).toHaveLength(1);
	});

	it.each(['webhook', 'trigger'] as const)('gives no manual-run warning in a %s execution', async (mode) => {
		const run = await deliver(dedupeWorkflow({ operation: 'checkAndReserve' }), [invoice('LIVE-1')], { mode });
		expect(run.hints('Dedupe Check').map((hint) => hint.message).join('\n')).not.toContain(MANUAL_HINT);
	});

	it('says so when only in-flight records remain over Max Records, and drops none of them', async () => {
		const bounded = dedupeWorkflow({ operation: 'checkAndReserve', options: { maxRecords: 2 } });
		const run = await deliver(bounded, [invoice('A'), invoice('B'), invoice('C'), invoice('D')]);
		expect(run.out(OUT.new)).toHaveLength(4);
		const hints = run.hints('Dedupe Check').map((hint) => hint.message);
		expect(hints).toEqual([expect.stringContaining('holds 2 more records than Max Records (2)')]);
		const list = await deliver(dedupeWorkflow({ operation: 'list' }), [{}]);
		expect(list.out(0)).toHaveLength(4);
	});

	it('evicts the oldest POSTED records silently when they make room under Max Records', async () => {
		const markPosted = dedupeWorkflow({ operation: 'markPosted', erpId: '={{ $json.invoiceNumber }}', options: { maxRecords: 2 } });
		await deliver(dedupeWorkflow({ operation: 'checkAndReserve' }), [invoice('OLD-1'), invoice('OLD-2')]);
		await deliver(markPosted, [invoice('OLD-1'), invoice('OLD-2')]);
		const run = await deliver(dedupeWorkflow({ operation: 'checkAndReserve', options: { maxRecords: 2 } }), [invoice('NEW-1')]);
		expect(run.hints('Dedupe Check')).toEqual([]);
		const left = await deliver(dedupeWorkflow({ operation: 'list' }), [{}]);
		expect(left.info(0).map((info) => info.key)).toEqual(['ACME-2026-11-24-OLD-2', 'ACME-2026-11-24-NEW-1']);
	});

	it('keeps the ledger when the node is renamed (ledgers are keyed by ledger name, not node name)', async () => {
		const before = await deliver(dedupeWorkflow({ operation: 'checkAndReserve' }, { name: 'Dedupe Check' }), [invoice('KEEP')]);
		expect(before.out(OUT.new)).toHaveLength(1);
		const renamed = dedupeWorkflow({ operation: 'checkAndReserve' }, { name: 'Stop duplicate invoices' });
		const after = await deliver(renamed, [invoice('KEEP')], { staticData: before.staticData });
		expect(after.out(OUT.inProgress, 'Stop duplicate invoices')).toHaveLength(1);
		clearRegistry(); // and after a restart, from the saved static data
		const restarted = await deliver(renamed, [invoice('KEEP')], { staticData: before.staticData });
		expect(restarted.out(OUT.inProgress, 'Stop duplicate invoices')).toHaveLength(1);
	});

	it('keeps two ledgers of one workflow apart: the same key is New in each', async () => {
		const workflow = chain([
			node('Invoices', 'dedupeCheck', { operation: 'checkAndReserve', idempotencyKey: KEY_EXPRESSION, ledger: 'invoices' }),
			node('Credit notes', 'dedupeCheck', { operation: 'checkAndReserve', idempotencyKey: KEY_EXPRESSION, ledger: 'credit-notes' }),
		]);
		const run = await deliver({ ...workflow, id: 'wf-two-ledgers' }, [invoice('SAME')]);
		expect(run.out(OUT.new, 'Invoices')).toHaveLength(1);
		expect(run.out(OUT.new, 'Credit notes')).toHaveLength(1);
		for (const ledger of ['credit-notes', 'invoices']) expect(persistedKeys(run.staticData.global as IDataObject, ledger)).toEqual([keyOf('SAME')]);
	});

	it('keeps two workflows apart even when their ledgers have the same name', async () => {
		const orders = await deliver(dedupeWorkflow({ operation: 'checkAndReserve' }, { id: 'wf-orders' }), [invoice('SAME')]);
		const billing = await deliver(dedupeWorkflow({ operation: 'checkAndReserve' }, { id: 'wf-billing' }), [invoice('SAME')]);
		expect(orders.out(OUT.new)).toHaveLength(1);
		expect(billing.out(OUT.new)).toHaveLength(1);
	});

	it('treats a blank ledger name as the default ledger "invoices"', async () => {
		await deliver(dedupeWorkflow({ operation: 'checkAndReserve', ledger: '  ' }), [invoice('DEFAULT')]);
		expect((await deliver(dedupeWorkflow({ operation: 'checkAndReserve' }), [invoice('DEFAULT')])).out(OUT.inProgress)).toHaveLength(1);
	});
});
