import type { IDataObject } from 'n8n-workflow';

import { Ledger } from '../../nodes/shared/ledger/ledger';
import { clearRegistry, escapePersistedKey, ledgerTable } from '../../nodes/shared/ledger/staticData/registry';
import { persistedKeys, STATIC_DATA_ROOT, StaticDataLedgerStore } from '../../nodes/shared/ledger/staticData/store';
import { FakeClock, reserveRequest } from './ledger-fixture';

const WORKFLOW = 'wf-restart';

/** One execution's view: its own static-data copy over the process registry (as n8n runs them). */
function execution(staticData: IDataObject, clock: FakeClock, ledgerName = 'invoices') {
	const store = new StaticDataLedgerStore(ledgerTable(WORKFLOW, ledgerName), staticData, ledgerName);
	const loaded = store.load();
	return { store, loaded, ledger: new Ledger(store, clock.now), staticData };
}

/** What n8n writes to its database at the end of an execution: the static data, serialised. */
const saved = (staticData: IDataObject) => JSON.parse(JSON.stringify(staticData)) as IDataObject;

const blobOf = (staticData: IDataObject, ledgerName = 'invoices') =>
	(staticData[STATIC_DATA_ROOT] as IDataObject)[escapePersistedKey(ledgerName)] as { v: number; p: string; r: Record<string, unknown[]> };

describe('the static-data ledger across restarts and processes', () => {
	beforeEach(() => clearRegistry());

	it('finds every key again after a restart, with its state, ERP id and response', async () => {
		const clock = new FakeClock();
		const first = execution({}, clock);
		await first.ledger.reserve(reserveRequest({ key: 'posted' }));
		await first.ledger.markPosted('posted', { erpId: 'ERP-1', response: { invoiceId: 'ERP-1', status: 'created' } });
		await first.ledger.reserve(reserveRequest({ key: 'failed' }));
		await first.ledger.markFailed('failed', { error: 'VAT code rejected' });
		await first.ledger.reserve(reserveRequest({ key: 'pending' }));
		await first.store.flush();
		const database = saved(first.staticData);
		const before = await first.ledger.list({});

		clearRegistry(); // n8n restarts
		const after = execution(saved(database), clock);
		expect(after.loaded.merged).toBe(3);
		expect(await after.ledger.list({})).toEqual(before);
		expect((await after.ledger.reserve(reserveRequest({ key: 'posted' }))).record.response).toEqual({ invoiceId: 'ERP-1', status: 'created' });
		expect((await after.ledger.reserve(reserveRequest({ key: 'pending' }))).decision).toBe('inProgress');
	});

	it('merges nothing when it loads a blob this process wrote (the registry is already the truth)', async () => {
		const clock = new FakeClock();
		const first = execution({}, clock);
		await first.ledger.reserve(reserveRequest({ key: 'a' }));
		await first.store.flush();
		const second = execution(saved(first.staticData), clock);
		expect(second.loaded.merged).toBe(0);
	});

	it('does not resurrect a key this process released when it reloads its own older blob', async () => {
		const clock = new FakeClock();
		const first = execution({}, clock);
		await first.ledger.reserve(reserveRequest({ key: 'a' }));
		await first.store.flush();
		const stale = saved(first.staticData); // a concurrent execution loaded this snapshot
		await first.ledger.release('a');
		const concurrent = execution(stale, clock);
		expect(await concurrent.ledger.get('a')).toBeUndefined();
	});

	it('merges a blob written by another process: per key, the newer updatedAt wins', async () => {
		const clock = new FakeClock();
		// Another process (before a restart, or another main) wrote: 'shared' POSTED later, 'theirs' only there.
		const other = execution({}, clock);
		await other.ledger.reserve(reserveRequest({ key: 'shared' }));
		await other.ledger.reserve(reserveRequest({ key: 'older-there' }));
		await other.ledger.markFailed('older-there', { error: 'old news' });
		await other.ledger.reserve(reserveRequest({ key: 'theirs' }));
		clock.advance(60_000);
		await other.ledger.markPosted('shared', { erpId: 'ERP-THERE' });
		await other.store.flush();
		const theirBlob = saved(other.staticData);

		clearRegistry(); // this is another process now
		const clockHere = new FakeClock(clock.at - 30_000);
		const mine = execution({}, clockHere);
		await mine.ledger.reserve(reserveRequest({ key: 'shared' })); // PENDING here, older than their POSTED
		clockHere.advance(60_000);
		await mine.ledger.reserve(reserveRequest({ key: 'older-there' })); // newer here
		await mine.store.flush();

		const merged = execution(theirBlob, clockHere);
		expect(merged.loaded.merged).toBe(2);
		expect(await merged.ledger.get('shared')).toMatchObject({ state: 'POSTED', erpId: 'ERP-THERE' });
		expect((await merged.ledger.get('older-there'))?.state).toBe('PENDING');
		expect((await merged.ledger.get('theirs'))?.state).toBe('PENDING');
	});

	it('keeps a record that another execution wrote after this one flushed, when n8n saves this one last', async () => {
		const clock = new FakeClock();
		const first = execution({}, clock);
		await first.ledger.reserve(reserveRequest({ key: 'flushed' }));
		await first.ledger.markPosted('flushed', { erpId: 'ERP-1' });
		await first.store.flush();
		// A concurrent execution reserves after that flush and has not flushed yet when n8n saves the first one.
		const second = execution({}, clock);
		await second.ledger.reserve(reserveRequest({ key: 'in-flight' }));
		const database = saved(first.staticData);
		const stored = blobOf(database).r as Record<string, unknown>;
		expect(typeof stored[escapePersistedKey('flushed')]).toBe('string');
		expect(Array.isArray(stored[escapePersistedKey('in-flight')])).toBe(true);

		clearRegistry(); // n8n restarts
		const after = execution(saved(database), clock);
		expect(after.loaded.merged).toBe(2);
		expect((await after.ledger.get('flushed'))?.erpId).toBe('ERP-1');
		expect((await after.ledger.get('in-flight'))?.state).toBe('PENDING');
	});

	it('skips corrupt entries of a blob and loads the rest, without throwing', async () => {
		const clock = new FakeClock();
		const good = execution({}, clock);
		await good.ledger.reserve(reserveRequest({ key: 'good' }));
		await good.store.flush();
		const database = saved(good.staticData);
		const entries = blobOf(database).r;
		entries[escapePersistedKey('not-an-array')] = 'oops' as unknown as unknown[];
		entries[escapePersistedKey('too-short')] = [1, 'fp'];
		entries[escapePersistedKey('bad-state')] = ['length', 'fp', 'ref', 0, 0, 'c', 1, 0, 1];
		entries[escapePersistedKey('state-out-of-range')] = [9, 'fp', 'ref', 0, 0, 'c', 1, 0, 1];
		entries[escapePersistedKey('nan-times')] = [1, 'fp', 'ref', 0, 0, 'c', 'yesterday', 0, 1];
		entries[escapePersistedKey('no-version')] = [1, 'fp', 'ref', 0, 0, 'c', 1, 0, null];
		entries[escapePersistedKey('fingerprint-number')] = [1, 42, 'ref', 0, 0, 'c', 1, 0, 1];

		clearRegistry();
		const reloaded = execution(database, clock);
		expect(reloaded.loaded.merged).toBe(1);
		expect((await reloaded.ledger.list({})).map((record) => record.key)).toEqual(['good']);
	});

	it.each([
		['no ledger root', {}],
		['root is a string', { [STATIC_DATA_ROOT]: 'garbage' }],
		['ledger is null', { [STATIC_DATA_ROOT]: { invoices: null } }],
		['records missing', { [STATIC_DATA_ROOT]: { invoices: { v: 2, p: 'x' } } }],
		['records are a number', { [STATIC_DATA_ROOT]: { invoices: { v: 2, p: 'x', r: 7 } } }],
	])('starts empty from unusable static data (%s) and still works', async (_, staticData) => {
		const clock = new FakeClock();
		const run = execution(staticData as IDataObject, clock);
		expect(run.loaded.merged).toBe(0);
		expect((await run.ledger.reserve(reserveRequest())).decision).toBe('new');
		await run.store.flush();
		expect(persistedKeys(run.staticData, 'invoices')).toEqual(['ACME-2026-11-24-INV-0042']);
	});

	it('writes nothing to static data when an execution changed nothing (n8n then saves nothing)', async () => {
		const clock = new FakeClock();
		const first = execution({}, clock);
		await first.ledger.reserve(reserveRequest());
		await first.store.flush();
		const readOnly = execution({}, clock);
		await readOnly.ledger.reserve(reserveRequest()); // In Progress: no write
		await readOnly.store.flush();
		expect(readOnly.staticData).toEqual({});
	});

	it('hands n8n every record of the process in a write-back, not only the execution\'s own', async () => {
		const clock = new FakeClock();
		const a = execution({}, clock);
		const b = execution({}, clock); // concurrent, same empty snapshot
		await a.ledger.reserve(reserveRequest({ key: 'from-a' }));
		await b.ledger.reserve(reserveRequest({ key: 'from-b' }));
		await a.store.flush();
		await b.store.flush();
		for (const run of [a, b]) expect(persistedKeys(saved(run.staticData), 'invoices').sort()).toEqual(['from-a', 'from-b']);
	});

	it('keeps the other ledgers of the workflow current in every write-back (two ledgers, last writer wins)', async () => {
		const clock = new FakeClock();
		// Two concurrent executions load the same snapshot; one writes ledger "invoices", the other "credit-notes".
		const snapshot = saved({});
		const invoices = execution(saved(snapshot), clock, 'invoices');
		const creditNotes = execution(saved(snapshot), clock, 'credit-notes');
		await creditNotes.ledger.reserve(reserveRequest({ key: 'CN-1' }));
		await creditNotes.store.flush();
		await invoices.ledger.reserve(reserveRequest({ key: 'INV-1' }));
		await invoices.store.flush();
		// Whichever n8n saves last, a restart finds both keys.
		for (const lastSaved of [saved(invoices.staticData), saved(creditNotes.staticData)]) {
			clearRegistry();
			expect(await execution(saved(lastSaved), clock, 'invoices').ledger.get('INV-1')).toBeDefined();
			expect(await execution(saved(lastSaved), clock, 'credit-notes').ledger.get('CN-1')).toBeDefined();
		}
	});
});
