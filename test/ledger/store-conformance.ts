import type { LedgerRecord, LedgerState, LedgerStore } from '../../nodes/shared/ledger/types';
import { LEDGER_STATES } from '../../nodes/shared/ledger/types';

export interface StoreUnderTest {
	store: LedgerStore;
	cleanup: () => Promise<void>;
	/** The same ledger as a restarted n8n sees it (static data: saved, registry gone; Redis: a new client). */
	reopen: () => Promise<LedgerStore>;
}

/** Keys and ledger names an attacker or a careless sender may choose (issue 12.4). */
export const HOSTILE_NAMES = [
	'__proto__',
	'constructor',
	'toString',
	'hasOwnProperty',
	'valueOf',
	'eu:K',
	'a:b:c::',
	'x#POSTED',
	'#',
	'{hash-tag}',
	' spaced  key ',
	'line\nbreak\r\n',
	'nul\u0000byte',
	'tab\tkey',
	'🧾 Rechnung № 42 — 請求書',
	'k'.repeat(512),
	'!bang',
	'!~00410042',
	'~tilde',
	'0',
	'4294967294',
	'lone \ud800 surrogate',
	'lone \udc00 low',
];

let recordSerial = 0;

/** A valid record with a unique key; `overrides` set what a test cares about. */
export function makeRecord(overrides: Partial<LedgerRecord> = {}): LedgerRecord {
	recordSerial += 1;
	const at = 1_760_000_000_000 + recordSerial;
	return {
		key: `ACME-2025-11-01-INV-${recordSerial}`,
		fingerprint: `fp-${recordSerial}`,
		state: 'PENDING',
		reference: `ref-${recordSerial}`,
		attempts: 0,
		correlationId: `exec-${recordSerial}`,
		firstSeenAt: at,
		updatedAt: at,
		version: 1,
		...overrides,
	};
}

/**
 * The contract every LedgerStore must keep (model: express-idempotency's adapter suite).
 * `makeStore` must return an isolated, empty ledger on every call.
 */
export function describeLedgerStoreConformance(
	storeName: string,
	makeStore: (ledgerName?: string) => Promise<StoreUnderTest>,
): void {
	describe(`${storeName} keeps the LedgerStore contract`, () => {
		let store: LedgerStore;
		const cleanups: Array<() => Promise<void>> = [];

		async function freshStore(): Promise<LedgerStore> {
			const made = await makeStore();
			cleanups.push(made.cleanup);
			return made.store;
		}

		beforeEach(async () => {
			store = await freshStore();
		});

		afterEach(async () => {
			while (cleanups.length > 0) await cleanups.pop()!();
		});

		describe('reserving a key', () => {
			it('reads an absent key as undefined', async () => {
				expect(await store.get('never-seen')).toBeUndefined();
			});

			it('claims an absent key and stores the record as given', async () => {
				const record = makeRecord();
				expect(await store.insert(record)).toEqual({ ok: true });
				expect(await store.get(record.key)).toEqual(record);
				expect(await store.count()).toBe(1);
			});

			it('refuses a present key and returns what is stored, not the newcomer', async () => {
				const first = makeRecord({ correlationId: 'first-delivery' });
				await store.insert(first);
				const second = { ...first, correlationId: 'second-delivery', fingerprint: 'other' };

				const result = await store.insert(second);

				expect(result).toEqual({ ok: false, existing: first });
				expect(await store.get(first.key)).toEqual(first);
				expect(await store.count()).toBe(1);
			});

			it('lets exactly 1 of 100 concurrent deliveries of one key claim it', async () => {
				const key = makeRecord().key;
				const deliveries = Array.from({ length: 100 }, (_, n) =>
					makeRecord({ key, correlationId: `delivery-${n}` }),
				);

				const results = await Promise.all(deliveries.map(async (record) => store.insert(record)));

				const claimed = results.flatMap((result, n) => (result.ok ? [deliveries[n]] : []));
				expect(claimed).toHaveLength(1);
				const stored = await store.get(key);
				expect(stored?.correlationId).toBe(claimed[0].correlationId);
				for (const result of results) {
					if (!result.ok) expect(result.existing).toEqual(stored);
				}
				expect(await store.count()).toBe(1);
			});

			it('keeps what it stored when the caller mutates its objects afterwards', async () => {
				const record = makeRecord({ response: { invoiceId: 'INV-1' } });
				const expected = structuredClone(record);
				await store.insert(record);
				record.state = 'FAILED';
				(record.response as { invoiceId: string }).invoiceId = 'changed';
				const read = await store.get(record.key);
				read!.attempts = 99;

				expect(await store.get(record.key)).toEqual(expected);
			});
		});

		describe('compare-and-set on version', () => {
			it('replaces at the expected version', async () => {
				const pending = makeRecord();
				await store.insert(pending);
				const posted = { ...pending, state: 'POSTED' as const, erpId: 'ERP-1', version: 2 };

				expect(await store.replace(posted, 1)).toEqual({ ok: true });
				expect(await store.get(pending.key)).toEqual(posted);
			});

			it('refuses a stale version and reports the current record', async () => {
				const pending = makeRecord();
				await store.insert(pending);
				const retry = { ...pending, state: 'RETRY' as const, attempts: 1, version: 2 };
				await store.replace(retry, 1);
				const stale = { ...pending, state: 'POSTED' as const, erpId: 'ERP-LATE', version: 2 };

				expect(await store.replace(stale, 1)).toEqual({ ok: false, current: retry });
				expect(await store.get(pending.key)).toEqual(retry);
			});

			it('refuses to replace an absent key and creates nothing', async () => {
				const ghost = makeRecord({ version: 2 });
				const result = await store.replace(ghost, 1);

				expect(result.ok).toBe(false);
				expect(result.ok === false && result.current).toBeFalsy();
				expect(await store.get(ghost.key)).toBeUndefined();
				expect(await store.count()).toBe(0);
			});

			it('lets exactly 1 of 20 concurrent transitions from one version win', async () => {
				const pending = makeRecord();
				await store.insert(pending);
				const contenders = Array.from({ length: 20 }, (_, n) => ({
					...pending,
					state: 'POSTED' as const,
					erpId: `ERP-${n}`,
					version: 2,
				}));

				const results = await Promise.all(contenders.map(async (next) => store.replace(next, 1)));

				const winners = contenders.filter((_, n) => results[n].ok);
				expect(winners).toHaveLength(1);
				expect(await store.get(pending.key)).toEqual(winners[0]);
				for (const result of results) {
					if (!result.ok) expect(result.current).toEqual(winners[0]);
				}
			});
		});

		describe('deleting', () => {
			it('deletes a key without a version, once', async () => {
				const record = makeRecord();
				await store.insert(record);

				expect(await store.delete(record.key)).toBe(true);
				expect(await store.get(record.key)).toBeUndefined();
				expect(await store.delete(record.key)).toBe(false);
				expect(await store.count()).toBe(0);
			});

			it('deletes at the expected version only', async () => {
				const record = makeRecord({ version: 3 });
				await store.insert(record);

				expect(await store.delete(record.key, 2)).toBe(false);
				expect(await store.get(record.key)).toEqual(record);
				expect(await store.delete(record.key, 3)).toBe(true);
				expect(await store.get(record.key)).toBeUndefined();
			});

			it('lets a deleted key be claimed again', async () => {
				const record = makeRecord();
				await store.insert(record);
				await store.delete(record.key);
				const again = { ...record, correlationId: 'after-release' };

				expect(await store.insert(again)).toEqual({ ok: true });
				expect(await store.get(record.key)).toEqual(again);
				expect(await store.list({})).toEqual([again]);
			});
		});

		describe('reading many', () => {
			it('returns the present keys only', async () => {
				const records = [makeRecord(), makeRecord({ state: 'POSTED' }), makeRecord()];
				for (const record of records) await store.insert(record);

				const found = await store.getMany([records[0].key, 'absent-1', records[2].key, 'absent-2']);

				expect(found.size).toBe(2);
				expect(found.get(records[0].key)).toEqual(records[0]);
				expect(found.get(records[2].key)).toEqual(records[2]);
				expect((await store.getMany([])).size).toBe(0);
			});
		});

		describe('the review queue (list)', () => {
			const t0 = 1_770_000_000_000;
			let byState: Record<LedgerState, LedgerRecord[]>;

			beforeEach(async () => {
				byState = { PENDING: [], POSTED: [], FAILED: [], UNKNOWN: [], RETRY: [] };
				let minute = 0;
				for (const state of LEDGER_STATES) {
					for (let n = 0; n < 3; n++) {
						minute += 1;
						const record = makeRecord({ state, updatedAt: t0 + minute * 60_000 });
						byState[state].push(record);
						await store.insert(record);
					}
				}
			});

			const keysOf = (records: LedgerRecord[]) => records.map((record) => record.key).sort();

			it('lists every record without a filter', async () => {
				expect(keysOf(await store.list({}))).toEqual(keysOf(Object.values(byState).flat()));
			});

			it('lists by state', async () => {
				const review = await store.list({ states: ['FAILED', 'UNKNOWN'] });
				expect(keysOf(review)).toEqual(keysOf([...byState.FAILED, ...byState.UNKNOWN]));
				expect(review.find((record) => record.key === byState.FAILED[1].key)).toEqual(
					byState.FAILED[1],
				);
			});

			it('lists records last updated before an instant', async () => {
				const cutoff = byState.POSTED[1].updatedAt;
				const older = await store.list({ updatedBefore: cutoff });
				const expected = Object.values(byState)
					.flat()
					.filter((record) => record.updatedAt < cutoff);
				expect(keysOf(older)).toEqual(keysOf(expected));
				expect(expected).toHaveLength(4);
			});

			it('combines states, updatedBefore and limit', async () => {
				const stuck = await store.list({
					states: ['UNKNOWN', 'PENDING'],
					updatedBefore: byState.UNKNOWN[2].updatedAt,
				});
				expect(keysOf(stuck)).toEqual(
					keysOf([...byState.PENDING, byState.UNKNOWN[0], byState.UNKNOWN[1]]),
				);

				const limited = await store.list({ states: ['UNKNOWN', 'PENDING'], limit: 2 });
				expect(limited).toHaveLength(2);
				const allowed = new Set(keysOf([...byState.PENDING, ...byState.UNKNOWN]));
				for (const record of limited) expect(allowed.has(record.key)).toBe(true);
			});

			it('moves a record between states when it is replaced', async () => {
				const unknown = byState.UNKNOWN[0];
				const posted = { ...unknown, state: 'POSTED' as const, erpId: 'ERP-9', version: 2 };
				await store.replace(posted, unknown.version);

				expect(keysOf(await store.list({ states: ['UNKNOWN'] }))).toEqual(
					keysOf(byState.UNKNOWN.slice(1)),
				);
				expect(await store.list({ states: ['POSTED'] })).toContainEqual(posted);
				expect(await store.count()).toBe(15);
			});

			it('forgets deleted records', async () => {
				await store.delete(byState.FAILED[0].key);
				expect(keysOf(await store.list({ states: ['FAILED'] }))).toEqual(
					keysOf(byState.FAILED.slice(1)),
				);
				expect(await store.count()).toBe(14);
			});

			it("never lists, counts or reads another ledger's records", async () => {
				const other = await freshStore();
				const foreign = makeRecord({ state: 'FAILED', key: byState.FAILED[0].key });
				expect(await other.insert(foreign)).toEqual({ ok: true });

				expect(await other.list({})).toEqual([foreign]);
				expect(await other.count()).toBe(1);
				expect(await store.count()).toBe(15);
				expect(await store.get(foreign.key)).toEqual(byState.FAILED[0]);
				expect(keysOf(await store.list({ states: ['FAILED'] }))).toEqual(keysOf(byState.FAILED));
			});
		});

		describe('eviction', () => {
			const now = 1_780_000_000_000;
			const hour = 3_600_000;
			const ttlMs = 24 * hour;

			async function insertAll(records: LedgerRecord[]): Promise<void> {
				for (const record of records) await store.insert(record);
			}

			it('evicts POSTED records past the TTL, never live ones, never review (FAILED) ones', async () => {
				const old = now - 2 * ttlMs;
				const expired = [makeRecord({ state: 'POSTED', updatedAt: old }), makeRecord({ state: 'POSTED', updatedAt: old - hour })];
				const kept = [
					makeRecord({ state: 'POSTED', updatedAt: now - hour }),
					makeRecord({ state: 'FAILED', updatedAt: now - hour }),
					makeRecord({ state: 'FAILED', updatedAt: old }),
					makeRecord({ state: 'PENDING', updatedAt: old }),
					makeRecord({ state: 'UNKNOWN', updatedAt: old }),
					makeRecord({ state: 'RETRY', updatedAt: old }),
				];
				await insertAll([...expired, ...kept]);

				const report = await store.evict({ ttlMs, maxRecords: 1000 }, now);

				expect(report).toMatchObject({ evicted: 2, overBoundLive: 0 });
				for (const record of expired) expect(await store.get(record.key)).toBeUndefined();
				for (const record of kept) expect(await store.get(record.key)).toEqual(record);
				expect(await store.count()).toBe(6);
			});

			it('evicts the oldest POSTED records first when over maxRecords, never FAILED ones', async () => {
				const posted = [5, 1, 4, 2, 3].map((hoursAgo) => makeRecord({ state: 'POSTED', updatedAt: now - hoursAgo * hour }));
				const review = [makeRecord({ state: 'FAILED', updatedAt: now - 9 * hour }), makeRecord({ state: 'UNKNOWN', updatedAt: now - 9 * hour })];
				const live = [makeRecord({ state: 'PENDING', updatedAt: now - 10 * hour }), makeRecord({ state: 'RETRY', updatedAt: now - 10 * hour })];
				await insertAll([...posted, ...review, ...live]);

				const report = await store.evict({ ttlMs, maxRecords: 6 }, now);

				expect(report).toMatchObject({ evicted: 3, overBoundLive: 0 });
				const survivors = await store.list({ states: ['POSTED'] });
				const hoursAgo = survivors.map((record) => (now - record.updatedAt) / hour).sort();
				expect(hoursAgo).toEqual([1, 2]);
				for (const record of [...review, ...live]) expect(await store.get(record.key)).toEqual(record);
				expect(await store.count()).toBe(6);
			});

			it('keeps live and review records over the bound and reports them', async () => {
				const kept = Array.from({ length: 8 }, (_, n) =>
					makeRecord({ state: (['PENDING', 'UNKNOWN', 'RETRY', 'FAILED'] as const)[n % 4], updatedAt: now - 30 * ttlMs }),
				);
				const posted = [makeRecord({ state: 'POSTED', updatedAt: now }), makeRecord({ state: 'POSTED', updatedAt: now })];
				await insertAll([...kept, ...posted]);

				const report = await store.evict({ ttlMs, maxRecords: 4 }, now);

				expect(report).toMatchObject({ evicted: 2, overBoundLive: 4 });
				expect(await store.count()).toBe(8);
				for (const record of kept) expect(await store.get(record.key)).toEqual(record);
			});

			it('evicts nothing when within TTL and bound', async () => {
				await insertAll([makeRecord({ state: 'POSTED', updatedAt: now }), makeRecord()]);
				expect(await store.evict({ ttlMs, maxRecords: 2 }, now)).toMatchObject({
					evicted: 0,
					overBoundLive: 0,
				});
				expect(await store.count()).toBe(2);
			});

			it('purges review records only when asked (Ledger.purge deletes by key)', async () => {
				const failed = makeRecord({ state: 'FAILED', updatedAt: now - 100 * ttlMs });
				await insertAll([failed]);
				await store.evict({ ttlMs, maxRecords: 1 }, now);
				expect(await store.get(failed.key)).toEqual(failed);
				expect(await store.delete(failed.key, failed.version)).toBe(true);
				expect(await store.count()).toBe(0);
			});
		});

		describe('round trip', () => {
			it('returns every field as stored, through get, getMany, list and replace', async () => {
				const full = makeRecord({
					state: 'POSTED',
					erpId: 'ERP-000042',
					attempts: 3,
					leaseUntil: 1_760_000_300_000,
					nextAttemptAt: 1_760_000_060_000,
					latencyMs: 1234,
					error: 'Zeitüberschreitung: «Rechnung» 请求超时 💥 "quoted" \\ back\nnext line',
					response: {
						invoiceId: 'INV-42',
						amount: 1234.56,
						paid: false,
						notes: null,
						lines: [{ description: 'Café crème ☕', quantity: 2 }],
						nested: { deep: { deeper: ['a', 1, true] } },
					},
				});
				await store.insert(full);

				expect(await store.get(full.key)).toStrictEqual(full);
				expect((await store.getMany([full.key])).get(full.key)).toStrictEqual(full);
				expect(await store.list({ states: ['POSTED'] })).toStrictEqual([full]);

				const next = { ...full, attempts: 4, version: 2, error: 'ñ – second ✓' };
				await store.replace(next, 1);
				expect(await store.get(full.key)).toStrictEqual(next);
			});

			it('keeps optional fields absent when they were absent', async () => {
				const minimal = makeRecord();
				await store.insert(minimal);

				const read = await store.get(minimal.key);
				expect(read).toStrictEqual(minimal);
				expect(Object.keys(read!).sort()).toEqual(Object.keys(minimal).sort());
			});

			it('drops an optional field when a replace omits it', async () => {
				const withLease = makeRecord({ leaseUntil: 1_760_000_300_000, error: 'timeout' });
				await store.insert(withLease);
				const { leaseUntil: _lease, error: _error, ...posted } = withLease;
				const next = { ...posted, state: 'POSTED' as const, erpId: 'E-1', version: 2 };

				await store.replace(next, 1);

				const read = await store.get(withLease.key);
				expect(read).toStrictEqual(next);
				expect(read).not.toHaveProperty('leaseUntil');
				expect(read).not.toHaveProperty('error');
			});
		});

		describe('hostile keys and ledger names', () => {
			it('stores, finds, lists and reloads every hostile key as itself', async () => {
				const made = await makeStore();
				cleanups.push(made.cleanup);
				const records = HOSTILE_NAMES.map((key, n) =>
					makeRecord({ key, state: n % 3 === 0 ? 'FAILED' : 'POSTED', erpId: `ERP-${n}`, reference: key, response: { [key]: key } }),
				);
				for (const record of records) expect(await made.store.insert(record)).toEqual({ ok: true });
				await made.store.flush();

				for (const reader of [made.store, await made.reopen()]) {
					expect(await reader.count()).toBe(records.length);
					for (const record of records) expect(await reader.get(record.key)).toStrictEqual(record);
					const listed = await reader.list({});
					expect(listed.map((record) => record.key).sort()).toEqual([...HOSTILE_NAMES].sort());
					expect((await reader.getMany(HOSTILE_NAMES)).size).toBe(records.length);
				}
				// Nothing leaked into what every object inherits.
				expect(({} as Record<string, unknown>).erpId).toBeUndefined();
				expect(Object.getPrototypeOf({})).toBe(Object.prototype);
			});

			it('keeps replace and delete exact on hostile keys', async () => {
				for (const key of ['__proto__', 'constructor', 'nul\u0000byte', 'eu:K']) {
					const pending = makeRecord({ key });
					await store.insert(pending);
					const posted = { ...pending, state: 'POSTED' as const, erpId: 'E', version: 2 };
					expect(await store.replace(posted, 1)).toEqual({ ok: true });
					expect(await store.get(key)).toStrictEqual(posted);
					expect(await store.delete(key, 2)).toBe(true);
					expect(await store.get(key)).toBeUndefined();
				}
				expect(await store.count()).toBe(0);
			});

			it('keeps ledgers with hostile names apart and reloads each (inv + eu:K is not inv:eu + K)', async () => {
				const ledgers = ['inv', 'inv:eu', 'inv#POSTED', ...HOSTILE_NAMES];
				const made = await Promise.all(ledgers.map(async (name) => await makeStore(name)));
				for (const entry of made) cleanups.push(entry.cleanup);
				const keyFor = (name: string) => (name === 'inv' ? 'eu:K' : name === 'inv:eu' ? 'K' : 'INV-1');
				for (const [position, entry] of made.entries()) {
					const record = makeRecord({ key: keyFor(ledgers[position]), state: 'POSTED', erpId: `ERP-of-${position}` });
					expect(await entry.store.insert(record)).toEqual({ ok: true });
					await entry.store.flush();
				}
				for (const [position, entry] of made.entries()) {
					const reopened = await entry.reopen();
					expect(await reopened.count()).toBe(1);
					expect((await reopened.get(keyFor(ledgers[position])))?.erpId).toBe(`ERP-of-${position}`);
				}
			});
		});

		it('flushes', async () => {
			await store.insert(makeRecord());
			await expect(store.flush()).resolves.toBeUndefined();
			expect(await store.count()).toBe(1);
		});
	});
}
