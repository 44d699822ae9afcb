import type { IDataObject } from 'n8n-workflow';

import { InvalidTransitionError, LedgerContentionError, OwnershipLostError } from './errors';
import { DEFAULT_MAX_RESPONSE_BYTES, storedResponse } from './storedResponse';
import { ANY_FINGERPRINT, type EvictionPolicy, type EvictionReport, type LedgerRecord, type LedgerState, type LedgerStore, type ListFilter } from './types';

/** What `reserve` decided for one key. */
export type ReserveDecision =
	/** The key was absent: now PENDING and ours. Post it. */
	| 'new'
	/** A RETRY record (nothing committed before) is ours again. Post it. */
	| 'retake'
	/** An UNKNOWN record (or an expired lease) is ours: verify by reference before any post. */
	| 'verify'
	/** POSTED or FAILED: never post again. */
	| 'duplicate'
	/** Another execution holds a live lease (or, when not taking UNKNOWN over, the outcome is unknown). */
	| 'inProgress'
	/** Same key, other payload: never a post. */
	| 'conflict';

export interface ReserveRequest {
	key: string;
	fingerprint: string;
	reference: string;
	correlationId: string;
	leaseMs: number;
	/** Take UNKNOWN records (and expired leases) over for verification (the Post node does; Dedupe Check can't verify). */
	takeOverUnknown: boolean;
	/** The n8n execution reserving: only a later node of this same execution may adopt the reservation. */
	execution?: string;
}

/** What a run proves it holds a key with: the correlation id it reserved under and the version it last wrote. */
export interface Holder {
	correlationId: string;
	version: number;
}

/**
 * Which process this ledger runs in, and which owners are known to be gone. Store-agnostic: the
 * static-data store serves one process, so there every other instance is a process that died (n8n
 * restarted); on Redis nothing is known, and a dead worker's keys wait for their lease.
 */
export interface LedgerIdentity {
	instance: string;
	isGone?: (instance: string) => boolean;
}

export interface ReserveResult {
	decision: ReserveDecision;
	record: LedgerRecord;
	/** What the record was before this reservation took it over (RETRY, UNKNOWN, an expired or orphaned lease). */
	previous?: LedgerRecord;
}

export interface CommitDetails {
	erpId?: string;
	response?: IDataObject;
	error?: string;
	latencyMs?: number;
	nextAttemptAt?: number;
	/** Count this call as one more attempt at the ERP. */
	countAttempt?: boolean;
	/** Fenced write: refused (OwnershipLostError) unless the record is still PENDING under this holder. */
	holder?: Holder;
	/**
	 * POSTED only: a later node of the run (Dedupe Check `markPosted`) will write the answer a replay
	 * returns; until then (at the latest this instant) a delivery of the key waits or reads In Progress.
	 */
	replyPendingUntil?: number;
}

const MAX_CAS_ROUNDS = 25;

/**
 * The clock skew tolerated between any two workers sharing a ledger (e.g. ±2 s each against true time).
 * Another execution takes a PENDING key over only once its lease ran out by this much more on the taker's
 * clock, so a holder whose clock is behind still has its lease while it believes it does. Beyond this
 * skew, fencing (the version check on every create and write) still refuses the old holder's writes.
 */
export const MAX_CLOCK_SKEW_MS = 5_000;

/** The state a record is really in now: a PENDING record whose lease ran out is UNKNOWN, never new. */
export function effectiveState(record: LedgerRecord, now: number): LedgerState {
	if (record.state === 'PENDING' && record.leaseUntil !== undefined && record.leaseUntil <= now) return 'UNKNOWN';
	return record.state;
}

/** A POSTED record whose replay answer is still being written by a later node (see CommitDetails.replyPendingUntil). */
export function replyPending(record: LedgerRecord, now: number): boolean {
	return record.state === 'POSTED' && record.leaseUntil !== undefined && record.leaseUntil > now;
}

export function ownerOf(instance: string, execution?: string): string {
	return execution ? `${instance}/${execution}` : instance;
}

function ownerParts(owner: string | undefined): { instance?: string; execution?: string } {
	if (owner === undefined) return {};
	const slash = owner.indexOf('/');
	return slash < 0 ? { instance: owner } : { instance: owner.slice(0, slash), execution: owner.slice(slash + 1) };
}

/** Per process: a ledger built without an identity still marks its reservations with one. */
const PROCESS_INSTANCE = `p${Math.random().toString(36).slice(2, 12)}`;

/**
 * The ledger's state machine over any `LedgerStore` (the handler of Powertools' model: it decides,
 * stores only store). Every change is a compare-and-set on the record's version, so concurrent
 * executions — in one process or across workers — never both win a key.
 */
export class Ledger {
	/** Responses cut to `maxResponseBytes` by this ledger object (open.ts turns it into a hint). */
	truncatedResponses = 0;

	constructor(
		readonly store: LedgerStore,
		private readonly clock: () => number = Date.now,
		private readonly identity: LedgerIdentity = { instance: PROCESS_INSTANCE },
		private readonly limits: { maxResponseBytes: number } = { maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES },
	) {}

	now(): number {
		return this.clock();
	}

	get instance(): string {
		return this.identity.instance;
	}

	/**
	 * `effectiveState`, plus: a PENDING record whose owner is known to be gone is UNKNOWN at once (its
	 * lease would only make re-deliveries wait for a process that no longer exists).
	 */
	stateOf(record: LedgerRecord, now = this.clock()): LedgerState {
		const state = effectiveState(record, now);
		return state === 'PENDING' && this.ownerGone(record) ? 'UNKNOWN' : state;
	}

	/** Whether the record's owner is a process known to be gone. */
	ownerGone(record: LedgerRecord): boolean {
		const { instance } = ownerParts(record.owner);
		return instance !== undefined && instance !== this.identity.instance && this.identity.isGone?.(instance) === true;
	}

	async reserve(request: ReserveRequest): Promise<ReserveResult> {
		for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
			const now = this.clock();
			const fresh: LedgerRecord = {
				key: request.key,
				fingerprint: request.fingerprint,
				state: 'PENDING',
				reference: request.reference,
				attempts: 0,
				correlationId: request.correlationId,
				firstSeenAt: now,
				updatedAt: now,
				leaseUntil: now + request.leaseMs,
				owner: ownerOf(this.identity.instance, request.execution),
				version: 1,
			};
			const inserted = await this.store.insert(fresh);
			if (inserted.ok) return { decision: 'new', record: fresh };

			const existing = inserted.existing;
			if (existing.fingerprint !== request.fingerprint && existing.fingerprint !== ANY_FINGERPRINT) {
				return { decision: 'conflict', record: existing };
			}

			// Read as of the taker's clock minus the tolerated skew: a lease is taken over only once it ran out for the holder too.
			const state = this.stateOf(existing, now - MAX_CLOCK_SKEW_MS);
			if (state === 'POSTED' || state === 'FAILED') return { decision: 'duplicate', record: existing };
			if (state === 'PENDING') return { decision: 'inProgress', record: existing };
			if (state === 'UNKNOWN' && !request.takeOverUnknown) return { decision: 'inProgress', record: existing };

			// RETRY, or UNKNOWN taken over: claim it with a fresh lease, keeping its history.
			const claimed: LedgerRecord = {
				...existing,
				state: 'PENDING',
				correlationId: request.correlationId,
				updatedAt: now,
				leaseUntil: now + request.leaseMs,
				nextAttemptAt: undefined,
				owner: ownerOf(this.identity.instance, request.execution),
				version: existing.version + 1,
			};
			const replaced = await this.store.replace(stripUndefined(claimed), existing.version);
			if (replaced.ok) return { decision: state === 'RETRY' ? 'retake' : 'verify', record: claimed, previous: existing };
		}
		throw new LedgerContentionError(`key "${request.key}" kept changing while it was being reserved`);
	}

	async get(key: string): Promise<LedgerRecord | undefined> {
		return await this.store.get(key);
	}

	async getMany(keys: string[]): Promise<Map<string, LedgerRecord>> {
		return await this.store.getMany(keys);
	}

	/** The ERP holds the invoice. Allowed from any state but FAILED→… is allowed too: the ERP is the truth. */
	async markPosted(key: string, details: CommitDetails & { seed?: Omit<LedgerRecord, 'state' | 'version'> }): Promise<LedgerRecord> {
		return await this.transition(key, 'POSTED', details, () => true, details.seed);
	}

	async markFailed(key: string, details: CommitDetails): Promise<LedgerRecord> {
		return await this.transition(key, 'FAILED', details, (state) => state !== 'POSTED');
	}

	async markUnknown(key: string, details: CommitDetails): Promise<LedgerRecord> {
		return await this.transition(key, 'UNKNOWN', details, (state) => state !== 'POSTED' && state !== 'FAILED');
	}

	async markRetry(key: string, details: CommitDetails): Promise<LedgerRecord> {
		return await this.transition(key, 'RETRY', details, (state) => state !== 'POSTED' && state !== 'FAILED');
	}

	/**
	 * Fenced heartbeat: extends the lease only while the record is still PENDING under `holder` (nobody
	 * took it over, nobody settled it), and returns the record with its new version — the holder's
	 * proof for its next write. Before every create: a run that lost a key learns it before it posts.
	 * Safety rests on the version, not on clocks: a takeover always writes, so the old holder's next
	 * write fails whatever its clock says.
	 */
	async renew(key: string, holder: Holder, leaseMs: number): Promise<LedgerRecord> {
		const current = await this.store.get(key);
		this.checkHolder(key, current, holder);
		const now = this.clock();
		const next = stripUndefined({ ...current!, leaseUntil: now + leaseMs, updatedAt: now, version: current!.version + 1 });
		if ((await this.store.replace(next, current!.version)).ok) return next;
		return this.lost(key, await this.store.get(key), 'it changed while its lease was being renewed');
	}

	/**
	 * A later node of the same execution takes over the reservation an earlier node (Dedupe Check) made
	 * for it. Undefined unless the record is PENDING under `correlationId` AND was reserved by this very
	 * execution: a correlation id copied into an item by a sender proves nothing.
	 */
	async adopt(key: string, correlationId: string, execution: string | undefined, leaseMs: number): Promise<{ record: LedgerRecord; expired: boolean } | undefined> {
		if (!execution) return undefined;
		const held = await this.store.get(key);
		if (!held || held.state !== 'PENDING' || held.correlationId !== correlationId) return undefined;
		const owner = ownerParts(held.owner);
		if (owner.execution !== execution || owner.instance !== this.identity.instance) return undefined;
		const now = this.clock();
		const expired = effectiveState(held, now) === 'UNKNOWN';
		const next = stripUndefined({ ...held, leaseUntil: now + leaseMs, updatedAt: now, version: held.version + 1 });
		return (await this.store.replace(next, held.version)).ok ? { record: next, expired } : undefined;
	}

	/** Extend the lease of a PENDING record we hold (long waits, e.g. a Retry-After). Unfenced: prefer `renew`. */
	async renewLease(key: string, leaseMs: number): Promise<void> {
		await this.update(key, (current) => {
			if (current.state !== 'PENDING') return undefined;
			return { ...current, leaseUntil: this.clock() + leaseMs };
		});
	}

	/**
	 * Forget a key so that it can be reserved again (a FAILED invoice that was fixed, a stuck lease).
	 * A POSTED key is never released: that would let the invoice be posted twice; purge it deliberately.
	 */
	async release(key: string): Promise<LedgerRecord | undefined> {
		for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
			const current = await this.store.get(key);
			if (!current) return undefined;
			if (current.state === 'POSTED') {
				throw new InvalidTransitionError(
					`key "${key}" is POSTED (ERP id ${current.erpId ?? 'unknown'}); releasing it would allow a second invoice`,
				);
			}
			if (await this.store.delete(key, current.version)) return current;
		}
		throw new LedgerContentionError(`key "${key}" kept changing while it was being released`);
	}

	async list(filter: ListFilter): Promise<LedgerRecord[]> {
		const now = this.clock();
		// UNKNOWN includes PENDING records whose lease ran out: ask the store for both, then filter.
		const wanted = filter.states;
		const storeStates = wanted?.includes('UNKNOWN') && !wanted.includes('PENDING') ? [...wanted, 'PENDING' as const] : wanted;
		const records = await this.store.list({ ...filter, states: storeStates, limit: wanted ? undefined : filter.limit });
		const matching = wanted ? records.filter((record) => wanted.includes(effectiveState(record, now))) : records;
		return filter.limit !== undefined ? matching.slice(0, filter.limit) : matching;
	}

	/** Deletes the records that match (default: terminal ones); returns them. */
	async purge(filter: ListFilter): Promise<LedgerRecord[]> {
		const victims = await this.list({ ...filter, states: filter.states ?? ['POSTED', 'FAILED'] });
		const deleted: LedgerRecord[] = [];
		for (const record of victims) {
			if (await this.store.delete(record.key, record.version)) deleted.push(record);
		}
		return deleted;
	}

	async evict(policy: EvictionPolicy): Promise<EvictionReport> {
		return await this.store.evict(policy, this.clock());
	}

	private async transition(
		key: string,
		state: LedgerState,
		details: CommitDetails,
		allowedFrom: (current: LedgerState) => boolean,
		seed?: Omit<LedgerRecord, 'state' | 'version'>,
	): Promise<LedgerRecord> {
		const now = this.clock();
		const fitted = details.response ? storedResponse(details.response, this.limits.maxResponseBytes) : undefined;
		if (fitted?.truncatedFrom !== undefined) this.truncatedResponses++;
		const apply = (current: LedgerRecord): LedgerRecord =>
			stripUndefined({
				...current,
				state,
				erpId: details.erpId ?? current.erpId,
				response: fitted?.response ?? current.response,
				error: state === 'POSTED' ? undefined : (details.error ?? current.error),
				latencyMs: details.latencyMs ?? current.latencyMs,
				attempts: current.attempts + (details.countAttempt ? 1 : 0),
				updatedAt: now,
				leaseUntil: state === 'POSTED' ? details.replyPendingUntil : undefined,
				nextAttemptAt: state === 'RETRY' ? details.nextAttemptAt : undefined,
				owner: undefined,
				version: current.version + 1,
			});
		if (details.holder) {
			// Fenced: one read, one compare-and-set; any change in between means the key is no longer ours.
			const current = await this.store.get(key);
			this.checkHolder(key, current, details.holder);
			const next = apply(current!);
			if ((await this.store.replace(next, current!.version)).ok) return next;
			return this.lost(key, await this.store.get(key), `it changed while it was being marked ${state}`);
		}
		for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
			const current = await this.store.get(key);
			if (!current) {
				if (!seed) throw new InvalidTransitionError(`key "${key}" is not in the ledger`);
				const created = apply({ ...seed, state: 'PENDING', version: 0, updatedAt: now });
				if ((await this.store.insert(created)).ok) return created;
				continue;
			}
			if (!allowedFrom(current.state)) {
				throw new InvalidTransitionError(`key "${key}" is ${current.state}; it cannot become ${state}`);
			}
			const next = apply(current);
			if ((await this.store.replace(next, current.version)).ok) return next;
		}
		throw new LedgerContentionError(`key "${key}" kept changing while it was being marked ${state}`);
	}

	private checkHolder(key: string, current: LedgerRecord | undefined, holder: Holder): void {
		if (current && current.state === 'PENDING' && current.correlationId === holder.correlationId && current.version === holder.version) return;
		this.lost(key, current);
	}

	private lost(key: string, current: LedgerRecord | undefined, detail?: string): never {
		const now = current ? ` — it is now ${this.stateOf(current)}${current.state === 'PENDING' ? ` under correlation id ${current.correlationId}` : ''}` : ' — it was released';
		throw new OwnershipLostError(`this run no longer holds key "${key}"${detail ? ` (${detail})` : ''}${now}`);
	}

	private async update(key: string, change: (current: LedgerRecord) => LedgerRecord | undefined): Promise<void> {
		for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
			const current = await this.store.get(key);
			if (!current) return;
			const next = change(current);
			if (!next) return;
			if ((await this.store.replace(stripUndefined({ ...next, version: current.version + 1, updatedAt: this.clock() }), current.version)).ok) return;
		}
		throw new LedgerContentionError(`key "${key}" kept changing while it was being updated`);
	}
}

/** Records never carry `undefined` fields: stores round-trip them exactly, and absent stays absent. */
export function stripUndefined<T extends object>(record: T): T {
	for (const field of Object.keys(record) as Array<keyof T>) {
		if (record[field] === undefined) delete record[field];
	}
	return record;
}
