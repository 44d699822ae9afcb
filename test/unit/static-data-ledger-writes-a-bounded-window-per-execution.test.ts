import type { IDataObject } from 'n8n-workflow';

import { Ledger } from '../../nodes/shared/ledger/ledger';
import { clearRegistry, DEFAULT_DURABLE_WINDOW, ledgerTable } from '../../nodes/shared/ledger/staticData/registry';
import { persistedKeys, STATIC_DATA_ROOT, StaticDataLedgerStore } from '../../nodes/shared/ledger/staticData/store';
import { FakeClock, reserveRequest } from './ledger-fixture';

/** What n8n reads and writes per execution: the workflow's whole static data, as JSON. */
const savedJson = (staticData: IDataObject) => JSON.stringify(staticData);

let serial = 0;
function workflow(staticData: IDataObject = {}, clock = new FakeClock(), window?: { records: number; bytes: number }) {
	serial += 1;
	const id = `wf-window-${serial}`;
	const open = (data: IDataObject) => {
		const store = new StaticDataLedgerStore(ledgerTable(id, 'invoices'), data, 'invoices', window);
		const loaded = store.load();
		return { store, loaded, ledger: new Ledger(store, clock.now), staticData: data };
	};
	return { ...open(staticData), open, clock };
}

async function postMany(ledger: Ledger, count: number, from = 0, clock?: FakeClock): Promise<void> {
	for (let n = from; n < from + count; n++) {
		clock?.advance(1000);
		const key = `ACME-INV-${String(n).padStart(6, '0')}`;
		await ledger.reserve(reserveRequest({ key, fingerprint: `fp-${String(n).padStart(6, '0')}`, reference: key }));
		await ledger.markPosted(key, { erpId: `ERP-${String(n).padStart(6, '0')}`, latencyMs: 80 });
	}
}

describe('the static-data ledger writes a bounded window, not the whole ledger, on every execution', () => {
	beforeEach(() => clearRegistry());

	it('saves the same number of bytes after 2,000 and after 20,000 posted invoices', async () => {
		const sizes: number[] = [];
		for (const posted of [2_000, 20_000]) {
			const run = workflow();
			await postMany(run.ledger, posted, 0, run.clock);
			await run.store.flush();
			sizes.push(savedJson(run.staticData).length);
			// The registry still knows every one of them while the process lives.
			expect(await run.store.count()).toBe(posted);
			expect(persistedKeys(run.staticData, 'invoices')).toHaveLength(DEFAULT_DURABLE_WINDOW.records);
		}
		expect(sizes[1]).toBe(sizes[0]);
		expect(sizes[1]).toBeLessThanOrEqual(DEFAULT_DURABLE_WINDOW.bytes + 1024);
	});

	it('always saves live and review records, beyond the window, and the newest POSTED ones within it', async () => {
		const run = workflow({}, new FakeClock(), { records: 10, bytes: 1_000_000 });
		await run.ledger.reserve(reserveRequest({ key: 'in-flight' }));
		await run.ledger.reserve(reserveRequest({ key: 'for-review' }));
		await run.ledger.markFailed('for-review', { error: 'VAT code rejected' });
		await run.ledger.reserve(reserveRequest({ key: 'unknown' }));
		await run.ledger.markUnknown('unknown', { error: 'timeout' });
		await postMany(run.ledger, 100, 0, run.clock);
		await run.store.flush();

		const saved = persistedKeys(run.staticData, 'invoices');
		expect(saved.filter((key) => key.startsWith('ACME-INV-'))).toEqual(Array.from({ length: 10 }, (_, n) => `ACME-INV-${String(90 + n).padStart(6, '0')}`));
		expect(saved).toEqual(expect.arrayContaining(['in-flight', 'for-review', 'unknown']));
		expect(saved).toHaveLength(13);
	});

	it('after a restart knows the window from static data; an older key is new to the ledger (the ERP answers for it)', async () => {
		const run = workflow({}, new FakeClock(), { records: 50, bytes: 1_000_000 });
		await postMany(run.ledger, 200, 0, run.clock);
		await run.store.flush();
		const database = JSON.parse(savedJson(run.staticData)) as IDataObject;
		const blob = (database[STATIC_DATA_ROOT] as IDataObject)['~invoices'] as { h?: number };
		// The horizon: keys settled up to then may be known to the ERP only.
		expect(blob.h).toBe((await run.ledger.get('ACME-INV-000200'))?.updatedAt ?? run.clock.at - 50_000);

		clearRegistry(); // n8n restarts
		const after = run.open(database);
		expect(after.loaded.merged).toBe(50);
		const recent = await after.ledger.reserve(reserveRequest({ key: 'ACME-INV-000199', fingerprint: 'fp-000199', reference: 'ACME-INV-000199' }));
		expect(recent.decision).toBe('duplicate');
		expect(recent.record.erpId).toBe('ERP-000199');
		const older = await after.ledger.reserve(reserveRequest({ key: 'ACME-INV-000010', fingerprint: 'fp-000010', reference: 'ACME-INV-000010' }));
		expect(older.decision).toBe('new');
	});

	it('keeps a record in the window only once when it is written again (replace moves it to the newest end)', async () => {
		const run = workflow({}, new FakeClock(), { records: 3, bytes: 1_000_000 });
		await postMany(run.ledger, 3, 0, run.clock);
		// The oldest is written again (e.g. a marked response replaced): it becomes the newest.
		await run.ledger.markPosted('ACME-INV-000000', { erpId: 'ERP-000000', response: { replayed: true } });
		await postMany(run.ledger, 1, 3, run.clock);
		await run.store.flush();
		expect(persistedKeys(run.staticData, 'invoices')).toEqual(['ACME-INV-000002', 'ACME-INV-000000', 'ACME-INV-000003']);
	});

	it('bounds the window by bytes too', async () => {
		const run = workflow({}, new FakeClock(), { records: 1_000, bytes: 2_000 });
		await postMany(run.ledger, 100, 0, run.clock);
		await run.store.flush();
		const kept = persistedKeys(run.staticData, 'invoices');
		expect(kept.length).toBeGreaterThan(0);
		expect(kept.length).toBeLessThan(100);
		expect(savedJson(run.staticData).length).toBeLessThanOrEqual(2_000 + 200);
	});

	it('reads a ledger the previous layout saved (each record a JSON array), and saves every record as one string', async () => {
		const arrays: Record<string, unknown[]> = {};
		for (let n = 0; n < 5; n++) arrays[`~PREV-${n}`] = [1, `fp-${n}`, `REF-${n}`, `ERP-${n}`, 1, 'c', 1_760_000_000_000 + n, 5, 2, 80];
		const database: IDataObject = { [STATIC_DATA_ROOT]: { '~invoices': { v: 2, p: 'the-previous-version', e: 1, r: arrays } } };

		const run = workflow(database, new FakeClock(), { records: 10, bytes: 1_000_000 });
		expect(run.loaded.merged).toBe(5);
		expect((await run.ledger.get('PREV-4'))?.erpId).toBe('ERP-4');
		await run.ledger.reserve(reserveRequest({ key: 'NEW-1' }));
		await run.store.flush();

		// n8n wraps every object and array of static data in a proxy on each execution: a record is one string.
		const blob = (JSON.parse(savedJson(run.staticData))[STATIC_DATA_ROOT] as IDataObject)['~invoices'] as { v: number; r: Record<string, unknown> };
		expect(blob.v).toBe(3);
		expect(Object.keys(blob.r)).toHaveLength(6);
		for (const value of Object.values(blob.r)) expect(typeof value).toBe('string');
	});

	it('reads a ledger saved before keys were escaped, and saves it escaped and bounded', async () => {
		const legacyTuple = (n: number) => [1, `fp-${n}`, `REF-${n}`, `ERP-${n}`, 1, 'c', 1_760_000_000_000 + n, 5, 2, 80];
		const legacyRecords: Record<string, unknown[]> = {};
		for (let n = 0; n < 30; n++) legacyRecords[`OLD-${n}`] = legacyTuple(n);
		legacyRecords['OLD-FAILED'] = [2, 'fp-f', 'REF-F', 0, 1, 'c', 1_760_000_000_000, 5, 2, 0, 0, 0, 'rejected'];
		const database: IDataObject = { [STATIC_DATA_ROOT]: { invoices: { v: 2, p: 'an-earlier-process', r: legacyRecords } } };

		const run = workflow(database, new FakeClock(), { records: 10, bytes: 1_000_000 });
		expect(run.loaded.merged).toBe(31);
		expect((await run.ledger.get('OLD-3'))?.erpId).toBe('ERP-3');
		expect((await run.ledger.get('OLD-FAILED'))?.state).toBe('FAILED');
		await run.ledger.reserve(reserveRequest({ key: 'NEW-1' }));
		await run.store.flush();

		const ledgers = JSON.parse(savedJson(run.staticData))[STATIC_DATA_ROOT] as IDataObject;
		expect(Object.keys(ledgers)).toEqual(['~invoices']);
		const saved = persistedKeys(run.staticData, 'invoices');
		expect(saved).toEqual(expect.arrayContaining(['OLD-FAILED', 'NEW-1', 'OLD-29']));
		expect(saved).toHaveLength(12);
	});
});
