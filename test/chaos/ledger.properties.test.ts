import fc from 'fast-check';
import type { IDataObject } from 'n8n-workflow';

import { effectiveState, Ledger, type ReserveDecision } from '../../nodes/shared/ledger/ledger';
import { clearRegistry, ledgerTable } from '../../nodes/shared/ledger/staticData/registry';
import { StaticDataLedgerStore } from '../../nodes/shared/ledger/staticData/store';
import type { LedgerRecord, LedgerState } from '../../nodes/shared/ledger/types';
import { propertyParameters } from './property-runs';

/**
 * The ledger against its contract, over random interleavings of reserve / mark / renew / lease expiry /
 * clock skew / flush / crash-and-reload / eviction by several executions (issue 15). Each check reads
 * the record as it was just before the operation and says what the operation may do with it.
 */

const KEYS = ['k1', 'k2', 'k3'];
const ACTORS = 3;
const LEASE_MS = 60_000;
/** The clock skew between workers the ledger must tolerate (bounded, and said so in the README). */
const SKEW_BOUND_MS = 2_000;
const START = Date.UTC(2026, 10, 24, 9, 0, 0);

type Op =
	| { t: 'reserve'; actor: number; key: string }
	| { t: 'mark'; actor: number; key: string; to: 'POSTED' | 'FAILED' | 'UNKNOWN' | 'RETRY' }
	| { t: 'renew'; actor: number; key: string }
	| { t: 'advance'; ms: number }
	| { t: 'flush' }
	| { t: 'crash' }
	| { t: 'evict'; maxRecords: number; ttlMs: number };

const opArbitrary: fc.Arbitrary<Op> = fc.oneof(
	{ arbitrary: fc.record({ t: fc.constant('reserve' as const), actor: fc.nat(ACTORS - 1), key: fc.constantFrom(...KEYS) }), weight: 5 },
	{
		arbitrary: fc.record({ t: fc.constant('mark' as const), actor: fc.nat(ACTORS - 1), key: fc.constantFrom(...KEYS), to: fc.constantFrom('POSTED' as const, 'FAILED' as const, 'UNKNOWN' as const, 'RETRY' as const) }),
		weight: 4,
	},
	{ arbitrary: fc.record({ t: fc.constant('renew' as const), actor: fc.nat(ACTORS - 1), key: fc.constantFrom(...KEYS) }), weight: 1 },
	{ arbitrary: fc.record({ t: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 1, max: 5_000 }), fc.integer({ min: LEASE_MS - 3_000, max: LEASE_MS + 3_000 })) }), weight: 2 },
	{ arbitrary: fc.constant({ t: 'flush' as const }), weight: 1 },
	{ arbitrary: fc.constant({ t: 'crash' as const }), weight: 1 },
	{ arbitrary: fc.record({ t: fc.constant('evict' as const), maxRecords: fc.nat(3), ttlMs: fc.integer({ min: 0, max: 2 * LEASE_MS }) }), weight: 1 },
);

/** One simulated n8n process: its registry table and static-data store (replaced on a crash). */
class World {
	now = START;
	staticData: IDataObject = {};
	/** What n8n last saved: the durable state a crash falls back to. */
	saved: IDataObject = {};
	store!: StaticDataLedgerStore;
	/** The execution the ledger last granted each key to, with the correlation id it reserved with. */
	held = new Map<string, { actor: number; correlationId: string }>();
	/** Every grant an execution got (`actor:key` → correlation id): a run keeps believing in its last one. */
	granted = new Map<string, string>();
	serial = 0;

	constructor(readonly skews: number[]) {
		clearRegistry();
		this.open();
	}

	open(): void {
		this.store = new StaticDataLedgerStore(ledgerTable('wf-properties', 'invoices'), this.staticData, 'invoices');
		this.store.load();
	}

	ledger(actor: number): Ledger {
		return new Ledger(this.store, () => this.now + this.skews[actor]);
	}
}

const GRANTS: ReadonlySet<ReserveDecision> = new Set(['new', 'retake', 'verify']);
const REVIEW: ReadonlySet<LedgerState> = new Set(['FAILED', 'UNKNOWN']);

async function step(world: World, op: Op, fenced: boolean): Promise<void> {
	switch (op.t) {
		case 'advance':
			world.now += op.ms;
			return;
		case 'flush':
			await world.store.flush();
			world.saved = JSON.parse(JSON.stringify(world.staticData)) as IDataObject;
			return;
		case 'crash': {
			// kill -9: the registry is gone, static data is what n8n saved last; nothing of it may be lost.
			const durable = new StaticDataLedgerStore(ledgerTable('wf-durable-view', 'invoices'), JSON.parse(JSON.stringify(world.saved)) as IDataObject, 'invoices');
			clearRegistry();
			durable.load();
			const before = await durable.getMany(KEYS);
			world.staticData = JSON.parse(JSON.stringify(world.saved)) as IDataObject;
			world.open();
			const after = await world.store.getMany(KEYS);
			for (const [key, record] of before) {
				expect({ key, state: after.get(key)?.state, version: after.get(key)?.version }).toEqual({ key, state: record.state, version: record.version });
			}
			world.held.clear();
			world.granted.clear();
			return;
		}
		case 'evict': {
			const before = await world.store.getMany(KEYS);
			await world.ledger(0).evict({ ttlMs: op.ttlMs, maxRecords: op.maxRecords });
			const after = await world.store.getMany(KEYS);
			for (const [key, record] of before) {
				const state = effectiveState(record, world.now);
				// Review records stay until a person purges them; live ones are never evicted.
				if (REVIEW.has(state) || state === 'PENDING' || state === 'RETRY') expect({ key, state, kept: after.has(key) }).toEqual({ key, state, kept: true });
			}
			return;
		}
		case 'renew': {
			const holder = world.held.get(op.key);
			if (holder?.actor !== op.actor) return;
			await world.ledger(op.actor).renewLease(op.key, LEASE_MS);
			return;
		}
		case 'reserve': {
			const before = await world.store.get(op.key);
			world.serial += 1;
			const correlationId = `exec-${op.actor}-${world.serial}`;
			const result = await world.ledger(op.actor).reserve({ key: op.key, fingerprint: 'fp', reference: `REF-${op.key}`, correlationId, leaseMs: LEASE_MS, takeOverUnknown: true });
			checkReserve(before, result.decision, world.now);
			if (GRANTS.has(result.decision)) {
				world.held.set(op.key, { actor: op.actor, correlationId });
				world.granted.set(`${op.actor}:${op.key}`, correlationId);
			}
			return;
		}
		case 'mark': {
			const holder = world.held.get(op.key);
			const mine = holder?.actor === op.actor;
			const believed = world.granted.get(`${op.actor}:${op.key}`);
			// The engine only writes keys it reserved; with `fenced`, a run whose key was since taken over writes too (it does not know) and must be refused.
			if (!mine && !(fenced && believed !== undefined)) return;
			const before = await world.store.get(op.key);
			if (!before) return;
			const ledger = world.ledger(op.actor);
			const details = { erpId: op.to === 'POSTED' ? `ERP-${op.key}` : undefined, error: op.to === 'POSTED' ? undefined : 'chaos' };
			const write = () =>
				op.to === 'POSTED'
					? ledger.markPosted(op.key, details)
					: op.to === 'FAILED'
						? ledger.markFailed(op.key, details)
						: op.to === 'UNKNOWN'
							? ledger.markUnknown(op.key, details)
							: ledger.markRetry(op.key, { ...details, nextAttemptAt: world.now });
			await write().catch(() => undefined);
			const after = await world.store.get(op.key);
			if (fenced && before.correlationId !== believed) {
				// Fencing: a run that lost the key (another execution took it over) changes nothing.
				expect({ key: op.key, stale: true, changed: after?.version !== before.version }).toEqual({ key: op.key, stale: true, changed: false });
			}
			if (after?.state === 'POSTED') expect(after.erpId).toEqual(expect.any(String));
			return;
		}
	}
}

/** What reserve may decide for a record it found (read just before). */
function checkReserve(before: LedgerRecord | undefined, decision: ReserveDecision, trueNow: number): void {
	if (!before) {
		expect(['new', 'inProgress', 'verify', 'retake', 'duplicate', 'conflict']).toContain(decision);
		return;
	}
	const state = before.state;
	// Never new without evidence: a known key is never "new", and only RETRY (nothing committed) is retaken.
	expect({ state, decision: decision === 'new' ? 'new' : 'not new' }).toEqual({ state, decision: 'not new' });
	if (decision === 'retake') expect(state).toBe('RETRY');
	if (state === 'UNKNOWN') expect(['verify', 'inProgress']).toContain(decision);
	if (state === 'POSTED' || state === 'FAILED') expect(decision).toBe('duplicate');
	// One holder at a time: a lease still running in true time (less the skew we tolerate) is never granted again.
	if (state === 'PENDING' && before.leaseUntil !== undefined && before.leaseUntil - SKEW_BOUND_MS > trueNow) {
		expect({ leaseLeftMs: before.leaseUntil - trueNow, decision }).toEqual({ leaseLeftMs: before.leaseUntil - trueNow, decision: 'inProgress' });
	}
}

async function play(ops: Op[], skews: number[], fenced: boolean): Promise<void> {
	const world = new World(skews);
	for (const op of ops) await step(world, op, fenced);
}

describe('ledger properties (fast-check, against the ledger contract)', () => {
	const params = propertyParameters();

	it('one clock: never new without evidence, UNKNOWN only verified, one live holder, POSTED with an id, nothing lost but unsaved writes, review records never evicted', async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 40 }), async (ops) => await play(ops, [0, 0, 0], false)),
			params,
		);
	});

	it(`clock skew up to ±${SKEW_BOUND_MS} ms between workers: still one live holder per key`, async () => {
		const skew = fc.integer({ min: -SKEW_BOUND_MS, max: SKEW_BOUND_MS });
		await fc.assert(
			fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 40 }), fc.tuple(skew, skew, skew), async (ops, skews) => await play(ops, skews, false)),
			params,
		);
	});

	it('fencing: a run whose key was taken over can no longer write it', async () => {
		await fc.assert(
			fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 40 }), async (ops) => await play(ops, [0, 0, 0], true)),
			params,
		);
	});
});
