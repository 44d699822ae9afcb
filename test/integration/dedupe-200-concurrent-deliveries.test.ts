import type { IDataObject } from 'n8n-workflow';

import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { persistedKeys } from '../../nodes/shared/ledger/staticData/store';
import { chain, node, runWorkflow } from '../helpers/n8n-harness';

const workflow = chain([
	node('Dedupe Check', 'dedupeCheck', { operation: 'checkAndReserve', idempotencyKey: '={{ $json.companyId }}-{{ $json.invoiceNumber }}' }),
]);
const invoice = { companyId: 'ACME', invoiceNumber: 'INV-2026-0042', amount: 1500, currency: 'EUR' };

/** Fisher–Yates with a fixed seed: the write-back order is random but the test is repeatable. */
function shuffled<T>(values: T[], seed: number): T[] {
	const out = [...values];
	let state = seed;
	for (let i = out.length - 1; i > 0; i--) {
		state = (state * 1103515245 + 12345) % 2 ** 31;
		const j = state % (i + 1);
		[out[i], out[j]] = [out[j], out[i]];
	}
	return out;
}

describe('200 concurrent deliveries of the same invoice (as n8n runs webhook executions)', () => {
	beforeEach(() => clearRegistry());

	it('lets exactly one through as New; the others leave by Duplicate or In Progress', async () => {
		const snapshot: IDataObject = {}; // every execution loads its own copy of the same static data
		const runs = await Promise.all(
			Array.from({ length: 200 }, () => runWorkflow({ workflow, input: [invoice], staticData: snapshot, mode: 'webhook' })),
		);
		const count = (output: number) => runs.reduce((sum, run) => sum + (run.outputs('Dedupe Check')[output]?.length ?? 0), 0);
		expect(runs.every((run) => run.error === undefined)).toBe(true);
		expect(count(0)).toBe(1);
		expect(count(1) + count(2)).toBe(199);
		expect(count(3)).toBe(0);
		const winner = runs.find((run) => run.outputs('Dedupe Check')[0]?.length === 1)!;
		expect(winner.outputs('Dedupe Check')[0][0].json).toMatchObject({
			...invoice,
			idempotency: { key: 'ACME-INV-2026-0042', state: 'PENDING', outcome: 'new' },
		});
		expect(winner.outputs('Dedupe Check')[0][0].pairedItem).toEqual({ item: 0 });
	});

	it('survives last-writer-wins write-back in random order and a restart: every reserved key is found', async () => {
		const snapshot: IDataObject = {};
		const runs = await Promise.all(
			Array.from({ length: 200 }, () => runWorkflow({ workflow, input: [invoice], staticData: snapshot, mode: 'webhook' })),
		);
		// n8n writes back, whole, the static data of each execution that changed it; the last write wins.
		const writers = runs.filter((run) => run.staticDataChanged);
		expect(writers.length).toBeGreaterThan(0);
		let database: IDataObject = {};
		for (const run of shuffled(writers, 7)) database = run.staticData;
		clearRegistry(); // n8n restarts: the process registry is gone, only the saved blob remains

		const again = await runWorkflow({ workflow, input: [invoice], staticData: database, mode: 'webhook' });
		const out = again.outputs('Dedupe Check');
		expect(out[0]).toHaveLength(0);
		// Reserved a moment ago with a 300 s lease: still in progress, never New.
		expect(out[2].map((item) => (item.json.idempotency as IDataObject).state)).toEqual(['PENDING']);
	});

	it('carries every record of the process in whichever execution is saved last (distinct invoices)', async () => {
		const snapshot: IDataObject = {};
		const finished: number[] = [];
		const inputs = Array.from({ length: 200 }, (_, i) => ({ ...invoice, invoiceNumber: `INV-${i}` }));
		const runs = await Promise.all(
			inputs.map((input, i) =>
				runWorkflow({ workflow, input: [input], staticData: snapshot, mode: 'webhook' }).then((run) => {
					finished.push(i);
					return run;
				}),
			),
		);
		expect(runs.every((run) => run.staticDataChanged)).toBe(true);
		// Whatever the save order, the blob saved by any execution holds every key reserved by the
		// executions that finished before it: merge-on-write, not "each writes its own".
		for (const [position, writer] of finished.entries()) {
			const saved = new Set(persistedKeys(runs[writer].staticData.global as IDataObject, 'invoices'));
			for (const earlier of finished.slice(0, position + 1)) {
				expect(saved.has(`ACME-INV-${earlier}`)).toBe(true);
			}
		}
		const lastSaved = runs[finished[finished.length - 1]].staticData;
		clearRegistry();
		const again = await runWorkflow({ workflow, input: inputs, staticData: lastSaved, mode: 'webhook' });
		expect(again.outputs('Dedupe Check')[0]).toHaveLength(0);
		expect(again.outputs('Dedupe Check')[2]).toHaveLength(200);
	});
});
