// The daily review queue template (templates/daily-review-queue.json): its Dedupe Check List, with the
// template's own parameters, picks what a person must resolve — FAILED, and UNKNOWN (a reservation whose
// lease ran out) — and never a posted invoice; its digest Code node turns that and Reconcile's rows into
// one email naming each key, the reason and what to do.
import * as fs from 'fs';
import * as path from 'path';
import type { IDataObject } from 'n8n-workflow';

import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { dedupeWorkflow, deliver, invoice, keyOf } from './dedupe-workflow-fixture';

interface TemplateNode {
	name: string;
	type: string;
	parameters: IDataObject;
}

const template = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'templates', 'daily-review-queue.json'), 'utf8')) as { nodes: TemplateNode[] };
const byName = (name: string) => template.nodes.find((node) => node.name === name)!;
const LIST_NODE = 'Failed and unknown invoices';
const digestCode = byName('Build the digest').parameters.jsCode as string;

/** Runs the template's digest Code node as n8n would: `$('…').all()` and `$input.all()` over items. */
function digest(listed: IDataObject[], reconciled: IDataObject[]): { subject: string; text: string; count: number } {
	const items = (rows: IDataObject[]) => ({ all: () => rows.map((json) => ({ json })) });
	const $ = (name: string) => {
		if (name !== LIST_NODE) throw new Error(`the digest reads a node the template does not have: ${name}`);
		return items(listed);
	};
	const run = new Function('$', '$input', digestCode) as (...args: unknown[]) => Array<{ json: { subject: string; text: string; count: number } }>;
	return run($, items(reconciled))[0].json;
}

describe('the daily review queue template', () => {
	beforeEach(() => clearRegistry());
	afterEach(() => jest.restoreAllMocks());

	it('lists FAILED and lease-expired records with the reason, not posted ones, and says how to resolve each', async () => {
		const reserve = dedupeWorkflow({ operation: 'checkAndReserve' });
		await deliver(reserve, [invoice('INV-OK'), invoice('INV-BAD'), invoice('INV-LOST')]);
		await deliver(dedupeWorkflow({ operation: 'markPosted', erpId: 'ERP-1' }), [invoice('INV-OK')]);
		await deliver(dedupeWorkflow({ operation: 'markFailed', error: '={{ $json.reason }}' }), [invoice('INV-BAD', { reason: 'Customer C-99 does not exist' })]);

		// The next morning (injected clock): INV-LOST's run died holding its reservation, whose lease has run out.
		const nextMorning = Date.now() + 20 * 60 * 60 * 1000;
		jest.spyOn(Date, 'now').mockReturnValue(nextMorning);
		const { ledgerStore: _redisInTheTemplate, ...listParameters } = byName(LIST_NODE).parameters;
		const listed = await deliver(dedupeWorkflow({ ...listParameters, ledgerStore: 'workflowStaticData' }, { name: LIST_NODE }), [{}]);
		const records = listed.info(0, LIST_NODE);
		expect(records.map((record) => [record.key, record.state]).sort()).toEqual([
			[keyOf('INV-BAD'), 'FAILED'],
			[keyOf('INV-LOST'), 'UNKNOWN'],
		]);

		const mail = digest(
			listed.out(0, LIST_NODE).map((item) => item.json),
			[
				{ status: 'matched', reference: 'R-OK', erpIds: ['ERP-1'] },
				{ status: 'duplicatedInErp', reference: 'R-TWICE', erpIds: ['ERP-7', 'ERP-8'], idempotency: { key: 'K-TWICE' } },
			],
		);
		expect(mail.subject).toBe('Invoice review queue: 3 to resolve');
		const lineOf = (needle: string) => mail.text.split('\n').find((line) => line.includes(needle));
		expect(lineOf(keyOf('INV-BAD'))).toContain('Customer C-99 does not exist');
		expect(lineOf(keyOf('INV-LOST'))).toBeDefined();
		expect(lineOf('R-TWICE')).toContain('ERP ids ERP-7, ERP-8');
		expect(mail.text).not.toContain(keyOf('INV-OK'));
		expect(mail.text).not.toContain('R-OK');
		// Each state comes with what to do about it.
		expect(mail.text).toMatch(/FAILED \(1\): .*Release the key.*Mark Posted/);
		expect(mail.text).toMatch(/UNKNOWN \(1\): .*found: Mark Posted.*not found: Release/);
		expect(mail.text).toMatch(/duplicatedInErp \(1\): .*Cancel or credit/);
	});

	it('still mails on a quiet day, so a missing mail means the job did not run', () => {
		// List and Reconcile always output an item (an empty one when there is nothing).
		expect(byName(LIST_NODE)).toMatchObject({ alwaysOutputData: true });
		expect(byName('Reconcile with Infor')).toMatchObject({ alwaysOutputData: true });
		expect(digest([{}], [{}])).toEqual({ subject: 'Invoice review queue: nothing to resolve', text: expect.stringContaining('Every invoice is settled'), count: 0 });
	});
});
