import type { IDataObject } from 'n8n-workflow';

import { ErpLookupError, type CanonicalInvoice, type ErpAdapter, type ErpContext, type FoundInvoice, type PostAttempt, type PostResult } from '../erp/types';
import { OwnershipLostError } from '../ledger/errors';
import type { Holder, Ledger, ReserveDecision } from '../ledger/ledger';
import type { LedgerRecord } from '../ledger/types';
import { newCorrelationId } from '../items';
import type { Limiter } from './limiter';
import { describeMismatches, mismatchesOf } from './match';
import { DEFAULT_SETTLE_MS, RETRY_AFTER_CEILING_MS } from './settle';

export interface PostingOptions {
	maxAttempts: number;
	initialDelayMs: number;
	maxDelayMs: number;
	concurrency: number;
	batchSize: number;
	verifyBeforeRetry: boolean;
	requestTimeoutMs: number;
	/** Header name for the idempotency key on creates; empty: not sent. */
	idempotencyHeader: string;
	lookupBeforePost: 'auto' | 'always' | 'never';
	leaseMs: number;
	lookbackDays: number;
	/** How long to wait for another execution that holds the same key. */
	waitForInFlightMs: number;
	/** After an ambiguous create, how long the ERP may still commit it (undefined: the ERP's default). */
	settleMs?: number;
}

export interface PostingJob {
	/** Position of the invoice in the node's input (an item, or an invoice inside a batch item). */
	id: number;
	itemIndex: number;
	key: string;
	reference: string;
	fingerprint: string;
	invoice: CanonicalInvoice;
	/** The correlation id of a reservation Dedupe Check made for this item: it is ours to use. */
	adoptCorrelationId?: string;
}

export type Route = 'posted' | 'alreadyExisted' | 'failed';

export interface JobResult {
	route: Route;
	outcome: string;
	record?: LedgerRecord;
	error?: string;
}

export interface EngineDependencies {
	ledger: Ledger;
	adapter: ErpAdapter;
	ctx: ErpContext;
	options: PostingOptions;
	/** Shared by every execution that posts to this ERP account (process-wide). */
	limiter: Limiter;
	sleep: (ms: number) => Promise<void>;
	random?: () => number;
	/** The n8n execution: a reservation an earlier node of it (Dedupe Check) made may be adopted. */
	execution?: string;
	/**
	 * Set when a Dedupe Check `markPosted` follows this node: an adopted key committed POSTED reads as
	 * "reply pending" for this long (or until markPosted writes the answer), so that a waiting retry never
	 * gets this node's answer instead of the one markPosted stores.
	 */
	replyPendingMs?: number;
}

/** One invoice on its way: what the ledger says, what this run already tried. */
interface Work {
	job: PostingJob;
	record: LedgerRecord;
	phase: 'lookup' | 'post';
	/** Tries this run that did not settle the invoice (retryable, ambiguous, failed lookups). */
	tries: number;
	/** A create was sent this run and may have landed: whatever is found now is our own post. */
	sent: boolean;
	/** A create of this invoice may be in the ERP (sent this run, or by the run whose reservation we verify). */
	mayHaveLanded: boolean;
	/** Not looked up before this instant: the ERP may still be committing an earlier create. */
	lookupNotBefore?: number;
	/** When "absent" was first read after the settle window: a second read, apart, confirms it. */
	absentAt?: number;
	/** Reserved for this item by an earlier node of this execution (Dedupe Check). */
	adopted: boolean;
	/** The ERP said it already holds the invoice but gave no id. */
	erpSaysExists: boolean;
	/**
	 * The ERP said it already holds the invoice and named a record: adopted only once a lookup shows that
	 * record is this invoice (a unique rule can fire on another invoice that shares the reference).
	 */
	existsAnswer?: { erpId: string; response?: IDataObject };
	/** Out of tries after a create that may have landed: lookups decide, and nothing is posted after them. */
	finalCheck?: boolean;
	/** Tries when the final check began: a lookup failing after that ends it. */
	finalTries?: number;
	/** Why the last try did not settle it. */
	lastError?: string;
	retryAfterMs?: number;
}

const POLL_MS = 250;

/** Keys reserved ahead of the work, at least: a long run never holds reservations it will not reach for minutes. */
const MIN_WINDOW = 20;

/**
 * reserve → (lookup) → post → classify → retry / verify → commit, for any ERP behind the adapter
 * interface. Every job gets exactly one result; nothing is posted without a reservation this run
 * still holds (every create and every commit is fenced by correlation id and version), and nothing
 * whose outcome is unknown is posted again before it was looked up — after the ERP had time to
 * finish it, and seen absent twice.
 */
export class PostingEngine {
	private readonly random: () => number;
	/**
	 * Until when the ERP asked us to hold off (a 429's Retry-After): calls not yet sent wait for the next
	 * round instead of collecting 429s of their own — an ERP that throttles also counts those.
	 */
	private throttledUntil = 0;
	private readonly nativeUniqueness: boolean;
	/** After an ambiguous create: how long "absent" proves nothing (0 where the ERP refuses duplicates itself). */
	private readonly settleMs: number;

	constructor(private readonly deps: EngineDependencies) {
		this.random = deps.random ?? Math.random;
		const capabilities = deps.adapter.capabilities(deps.ctx);
		this.nativeUniqueness = capabilities.nativeUniqueness;
		this.settleMs = this.nativeUniqueness ? 0 : Math.max(0, deps.options.settleMs ?? capabilities.settleMs ?? DEFAULT_SETTLE_MS);
	}

	async run(jobs: PostingJob[]): Promise<Map<number, JobResult>> {
		const results = new Map<number, JobResult>();
		const firstByKey = new Map<string, PostingJob>();
		const repeats: PostingJob[] = [];
		for (const job of jobs) {
			if (firstByKey.has(job.key)) repeats.push(job);
			else firstByKey.set(job.key, job);
		}
		let pending = [...firstByKey.values()];
		// Keys another execution holds: wait for it once, then take them over if it gave them back.
		for (let pass = 0; pass < 2 && pending.length > 0; pass++) {
			const heldElsewhere = await this.processInWindows(pending, results, pass === 0);
			pending = heldElsewhere.length > 0 ? await this.waitForOthers(heldElsewhere, results) : [];
		}
		for (const job of pending) {
			results.set(job.id, { route: 'failed', outcome: 'inProgress', error: 'another execution is posting this invoice right now; it was not posted twice' });
		}
		for (const job of repeats) results.set(job.id, this.repeatResult(job, firstByKey.get(job.key)!, results));
		return results;
	}

	/**
	 * Reserves a window of keys just ahead of the work, settles it, then the next: a run of thousands
	 * at a rate limit does not hold (and let expire) reservations it will reach only minutes later.
	 */
	private async processInWindows(jobs: PostingJob[], results: Map<number, JobResult>, firstPass: boolean): Promise<PostingJob[]> {
		const { options, adapter, ctx } = this.deps;
		const perCall = Math.max(1, Math.min(options.batchSize, adapter.capabilities(ctx).maxBatchSize ?? 1));
		const window = Math.max(MIN_WINDOW, options.concurrency * perCall * 2);
		const heldElsewhere: PostingJob[] = [];
		const inFlight: Array<Promise<void>> = [];
		for (let start = 0; start < jobs.length; start += window) {
			// The next window starts once this one is done or only waits for settle windows to pass: those
			// waits overlap the next windows' work instead of adding up, window after window.
			let parked!: () => void;
			const waitsOnly = new Promise<void>((resolve) => (parked = resolve));
			const done = this.process(jobs.slice(start, start + window), results, firstPass, parked).then((held) => {
				heldElsewhere.push(...held);
			});
			inFlight.push(done);
			await Promise.race([done, waitsOnly]);
		}
		await Promise.all(inFlight);
		return heldElsewhere;
	}

	/** Reserve and settle `jobs`; returns the jobs another execution holds. */
	private async process(jobs: PostingJob[], results: Map<number, JobResult>, firstPass: boolean, parked: () => void = () => undefined): Promise<PostingJob[]> {
		const works: Work[] = [];
		const heldElsewhere: PostingJob[] = [];
		for (const job of jobs) {
			let reserved: { decision: ReserveDecision; record: LedgerRecord; previous?: LedgerRecord; adopted: boolean };
			try {
				reserved = await this.reserve(job);
			} catch (error) {
				results.set(job.id, { route: 'failed', outcome: 'ledgerUnavailable', error: `not posted: ${(error as Error).message}` });
				continue;
			}
			const { decision, record, previous, adopted } = reserved;
			switch (decision) {
				case 'conflict':
					results.set(job.id, {
						route: 'failed',
						outcome: 'conflict',
						record,
						error: 'not posted: this idempotency key is already recorded for a different invoice payload (same key, other content). Fix the key, or release the key if the earlier invoice was never posted.',
					});
					break;
				case 'duplicate':
					results.set(
						job.id,
						record.state === 'POSTED'
							? { route: 'alreadyExisted', outcome: 'duplicate', record }
							: {
									route: 'failed',
									outcome: 'previouslyFailed',
									record,
									error: `not posted again: it failed permanently before (${record.error ?? 'no reason recorded'}). Fix it and release the key (Dedupe Check → Release) to post it again.`,
								},
					);
					break;
				case 'inProgress':
					if (firstPass) heldElsewhere.push(job);
					else results.set(job.id, { route: 'failed', outcome: 'inProgress', record, error: 'another execution is posting this invoice right now; it was not posted twice' });
					break;
				default: {
					const work: Work = { job, record, phase: 'post', tries: 0, sent: false, mayHaveLanded: false, erpSaysExists: false, adopted };
					if (decision === 'verify') {
						// An earlier create may be in the ERP, or still on its way in: look only after it could have landed.
						work.phase = 'lookup';
						work.mayHaveLanded = true;
						work.lookupNotBefore = this.landedBy(previous ?? record);
					} else if (this.lookupBeforePost()) {
						work.phase = 'lookup';
					}
					works.push(work);
				}
			}
		}
		await this.settle(works, results, parked);
		return heldElsewhere;
	}

	/**
	 * When a create made under `record` may last have landed. An UNKNOWN record was written after its
	 * create's answer. A PENDING one was renewed right before its last create, which could then run for a
	 * whole request timeout; if its lease merely ran out (its holder may be alive, with a clock of its own),
	 * not before the lease's end either: a holder whose clock is behind ours by up to leaseMs − requestTimeoutMs
	 * still had its last call end before we look. Plus the settle window in every case.
	 */
	private landedBy(record: LedgerRecord): number {
		if (record.state !== 'PENDING') return record.updatedAt + this.settleMs;
		const lastCallEnd = record.updatedAt + this.deps.options.requestTimeoutMs;
		const leaseEnd = this.deps.ledger.ownerGone(record) ? lastCallEnd : (record.leaseUntil ?? lastCallEnd);
		return Math.max(lastCallEnd, leaseEnd) + this.settleMs;
	}

	private lookupBeforePost(): boolean {
		const { options } = this.deps;
		if (options.lookupBeforePost === 'always') return true;
		if (options.lookupBeforePost === 'never') return false;
		return !this.nativeUniqueness;
	}

	private async reserve(job: PostingJob): Promise<{ decision: ReserveDecision; record: LedgerRecord; previous?: LedgerRecord; adopted: boolean }> {
		const { ledger, options, execution } = this.deps;
		if (job.adoptCorrelationId) {
			// Dedupe Check of this very execution reserved this item for us: take its lease over instead of competing with it.
			const adopted = await ledger.adopt(job.key, job.adoptCorrelationId, execution, options.leaseMs);
			if (adopted) return { decision: adopted.expired ? 'verify' : 'new', record: adopted.record, adopted: true };
		}
		const reserved = await ledger.reserve({
			key: job.key,
			fingerprint: job.fingerprint,
			reference: job.reference,
			correlationId: newCorrelationId(),
			leaseMs: options.leaseMs,
			takeOverUnknown: true,
			execution,
		});
		return { ...reserved, adopted: false };
	}

	/** Rounds of lookups and posts until every work is settled or out of tries. */
	private async settle(works: Work[], results: Map<number, JobResult>, parked: () => void = () => undefined): Promise<void> {
		const { options, ledger } = this.deps;
		let open = works;
		for (let round = 1; open.length > 0; round++) {
			const now = ledger.now();
			const lookups = open.filter((work) => work.phase === 'lookup' && (work.lookupNotBefore ?? 0) <= now);
			if (lookups.length > 0) await this.lookupRound(lookups, results);
			const posts = open.filter((work) => work.phase === 'post' && !results.has(work.job.id));
			if (posts.length > 0) await this.postRound(posts, results);
			open = open.filter((work) => !results.has(work.job.id));
			for (const work of open) {
				if (work.phase === 'post' && (work.retryAfterMs ?? 0) > this.retryAfterCeiling()) {
					results.set(work.job.id, await this.retryLater(work, ledger.now() + work.retryAfterMs!));
					continue;
				}
				if (work.tries < options.maxAttempts) continue;
				if (work.phase === 'lookup' && work.mayHaveLanded) {
					// Out of tries with a create that may have landed: lookups decide; a failing one ends it as UNKNOWN.
					if (!work.finalCheck) {
						work.finalCheck = true;
						work.finalTries = work.tries;
						continue;
					}
					if (work.tries === work.finalTries) continue;
				}
				results.set(work.job.id, await this.giveUp(work));
			}
			open = open.filter((work) => !results.has(work.job.id));
			if (open.length === 0) break;
			const wait = this.nextWait(round, open);
			if (wait * 3 > options.leaseMs) {
				// A long wait: the keys stay ours through it (fenced, so a key lost meanwhile is known now).
				await Promise.all(open.map(async (work) => await this.fence(work, results, options.leaseMs + wait)));
				open = open.filter((work) => !results.has(work.job.id));
			}
			const later = ledger.now();
			if (open.every((work) => work.phase === 'lookup' && (work.lookupNotBefore ?? 0) > later)) parked();
			await this.deps.sleep(wait);
		}
	}

	/** Until the next thing can happen: a back-off for works ready to try again, else the first settle window's end. */
	private nextWait(round: number, open: Work[]): number {
		const now = this.deps.ledger.now();
		let wait = Infinity;
		let readyRetryAfter = -1;
		for (const work of open) {
			if (work.phase === 'lookup' && work.lookupNotBefore !== undefined && work.lookupNotBefore > now) wait = Math.min(wait, work.lookupNotBefore - now);
			else readyRetryAfter = Math.max(readyRetryAfter, work.phase === 'post' ? (work.retryAfterMs ?? 0) : 0);
		}
		if (readyRetryAfter >= 0) wait = Math.min(wait, this.backoff(round, readyRetryAfter));
		return wait;
	}

	/** The longest wait a Retry-After may impose on this run; a longer one leaves by Failed as RETRY at the ERP's date. */
	private retryAfterCeiling(): number {
		return Math.max(this.deps.options.maxDelayMs, RETRY_AFTER_CEILING_MS);
	}

	/**
	 * Full jitter between 0 and the exponential cap — unless the ERP named the wait (Retry-After): then
	 * that wait, plus a little jitter so that several executions do not all come back at once. Waiting
	 * longer than asked only loses throughput (at the rate limit, ~5 % of it).
	 */
	private backoff(round: number, retryAfterMs: number): number {
		const { initialDelayMs, maxDelayMs } = this.deps.options;
		if (retryAfterMs > 0) return retryAfterMs + Math.round(this.random() * Math.min(initialDelayMs, retryAfterMs / 10));
		const cap = Math.min(maxDelayMs, initialDelayMs * 2 ** (round - 1));
		return Math.round(this.random() * cap);
	}

	private async lookupRound(works: Work[], results: Map<number, JobResult>): Promise<void> {
		const { adapter, ctx, limiter, options, ledger } = this.deps;
		const chunkSize = Math.max(1, adapter.capabilities(ctx).lookupChunkSize);
		const chunks: Work[][] = [];
		for (let start = 0; start < works.length; start += chunkSize) chunks.push(works.slice(start, start + chunkSize));
		await Promise.all(
			chunks.map(async (chunk) => {
				let found: Map<string, FoundInvoice[]>;
				try {
					found = await limiter.run(
						async () =>
							await adapter.findByReferences(
								ctx,
								chunk.map((work) => work.job.reference),
								{ invoices: new Map(chunk.map((work) => [work.job.reference, work.job.invoice])), lookbackDays: options.lookbackDays },
							),
					);
				} catch (error) {
					const reason = `could not look the invoice up by reference: ${(error as Error).message}`;
					// A lookup that cannot succeed by waiting (e.g. rejected credentials) ends the tries now.
					const hopeless = error instanceof ErpLookupError && !error.retryable;
					for (const work of chunk) {
						work.tries++;
						work.lastError = reason;
						if (hopeless) results.set(work.job.id, await this.giveUp(work));
					}
					return;
				}
				const readAt = ledger.now();
				for (const work of chunk) {
					const matches = found.get(work.job.reference) ?? [];
					if (matches.length > 0) {
						results.set(work.job.id, await this.commitFound(work, matches));
					} else if (work.existsAnswer) {
						if (this.settleMs > 0 && work.absentAt === undefined) {
							// The lookup may lag the record the ERP named: read it again, apart, before deciding.
							work.absentAt = readAt;
							work.lookupNotBefore = readAt + this.absentGapMs();
							work.lastError = `the ERP answered that the invoice already exists as ${work.existsAnswer.erpId}, but a lookup by reference "${work.job.reference}" did not find it yet`;
						} else {
							const error = `outcome unknown: the ERP answered that the invoice already exists as record ${work.existsAnswer.erpId}, but a lookup by reference "${work.job.reference}" did not find it (that record may be another invoice). Review it in the ERP; not recorded as posted.`;
							results.set(work.job.id, await this.commit(work, 'failed', 'unknown', async (holder) => await ledger.markUnknown(work.job.key, { error, countAttempt: false, holder }), error));
						}
					} else if (work.erpSaysExists) {
						// The ERP says it holds it, but gives no id and cannot show it: no proof it is this invoice.
						const error = `outcome unknown: the ERP answered that the invoice already exists but gave no id, and a lookup by reference "${work.job.reference}" did not find it (the existing record may be another invoice). Review it in the ERP; not recorded as posted.`;
						results.set(work.job.id, await this.commit(work, 'failed', 'unknown', async (holder) => await ledger.markUnknown(work.job.key, { error, countAttempt: false, holder }), error));
					} else if (work.mayHaveLanded && this.settleMs > 0 && (work.absentAt === undefined || readAt - work.absentAt < this.absentGapMs())) {
						// "Absent" once may be a lookup that lags the commit: read it again, apart, before anything is sent.
						work.absentAt ??= readAt;
						work.lookupNotBefore = work.absentAt + this.absentGapMs();
						work.lastError = `not found by reference "${work.job.reference}" once; looking again before anything is sent (a create may still be landing)`;
					} else {
						work.phase = 'post';
						work.absentAt = undefined;
						// Verified absent after the last allowed try: nothing landed, a later run may post it.
						if (work.finalCheck) {
							work.mayHaveLanded = false;
							results.set(work.job.id, await this.giveUp(work));
						}
					}
				}
			}),
		);
	}

	/** How far apart the two "absent" reads must be. */
	private absentGapMs(): number {
		return this.settleMs / 2;
	}

	private async postRound(works: Work[], results: Map<number, JobResult>): Promise<void> {
		const { adapter, ctx, limiter, options } = this.deps;
		const maxBatch = Math.min(options.batchSize, adapter.capabilities(ctx).maxBatchSize ?? 1);
		if (adapter.createBatch && maxBatch > 1) {
			const batches: Work[][] = [];
			for (let start = 0; start < works.length; start += maxBatch) batches.push(works.slice(start, start + maxBatch));
			await Promise.all(
				batches.map(async (whole) => {
					let batch = whole;
					const started = Date.now();
					const answers = await limiter
						.run(async () => {
							if (this.holdingOff(batch)) return undefined;
							// Still ours? Checked (and the lease renewed) right before the call: a key lost meanwhile is not sent.
							batch = await this.fenced(batch, results);
							if (batch.length === 0) return undefined;
							// Noted before the slot is given back, so the call that takes it over already holds off.
							return this.noteThrottle(await adapter.createBatch!(ctx, batch.map((work) => this.attemptOf(work))));
						})
						.catch((error: Error) => batch.map(() => notSent(error)));
					if (!answers) return;
					const latencyMs = Math.round((Date.now() - started) / batch.length);
					await Promise.all(batch.map(async (work, index) => await this.handle(work, answers[index] ?? ambiguous('no answer for this invoice'), latencyMs, results)));
				}),
			);
			return;
		}
		await Promise.all(
			works.map(async (work) => {
				const result = await limiter
					.run(async () => {
						if (this.holdingOff([work])) return undefined;
						if ((await this.fenced([work], results)).length === 0) return undefined;
						const started = Date.now();
						const answer = await adapter.create(ctx, this.attemptOf(work));
						this.noteThrottle([answer]);
						return { answer, latencyMs: Date.now() - started };
					})
					.catch((error: Error) => ({ answer: notSent(error), latencyMs: 0 }));
				if (!result) return;
				await this.handle(work, result.answer, result.latencyMs, results);
			}),
		);
	}

	/** The works this run still holds (each lease renewed); the others leave by Failed, unsent. */
	private async fenced(works: Work[], results: Map<number, JobResult>): Promise<Work[]> {
		const held = await Promise.all(works.map(async (work) => await this.fence(work, results, this.deps.options.leaseMs)));
		return works.filter((_, index) => held[index]);
	}

	/** Renews the work's lease if this run still holds its key; otherwise settles it as lost. A ledger that cannot answer: not sent, tried again. */
	private async fence(work: Work, results: Map<number, JobResult>, leaseMs: number): Promise<boolean> {
		try {
			work.record = await this.deps.ledger.renew(work.job.key, holderOf(work), leaseMs);
			return true;
		} catch (error) {
			if (error instanceof OwnershipLostError) {
				results.set(work.job.id, this.lostResult(work, error, 'it was not sent'));
			} else {
				work.tries++;
				work.lastError = `not sent: the ledger could not confirm this run still holds the key (${(error as Error).message})`;
			}
			return false;
		}
	}

	private lostResult(work: Work, error: Error, whatHappened: string): JobResult {
		return { route: 'failed', outcome: 'ownershipLost', record: work.record, error: `${error.message}; ${whatHappened}. The execution that holds it now settles it.` };
	}

	/** While the ERP asked to wait, a call is not sent: its works wait for the next round, and that is not a try. */
	private holdingOff(works: Work[]): boolean {
		const waitMs = this.throttledUntil - this.deps.ledger.now();
		if (waitMs <= 0) return false;
		for (const work of works) work.retryAfterMs = waitMs;
		return true;
	}

	private noteThrottle(answers: PostResult[]): PostResult[] {
		for (const answer of answers) {
			if (answer.outcome === 'retryable' && answer.retryAfterMs !== undefined && answer.retryAfterMs > 0) {
				this.throttledUntil = Math.max(this.throttledUntil, this.deps.ledger.now() + answer.retryAfterMs);
			}
		}
		return answers;
	}

	private attemptOf(work: Work): PostAttempt {
		const header = this.deps.options.idempotencyHeader.trim();
		return {
			key: work.job.key,
			reference: work.job.reference,
			invoice: work.job.invoice,
			...(header ? { idempotencyHeader: { name: header, value: structuredFieldString(work.job.key) } } : {}),
		};
	}

	private async handle(work: Work, answer: PostResult, latencyMs: number, results: Map<number, JobResult>): Promise<void> {
		const { options, ledger } = this.deps;
		switch (answer.outcome) {
			case 'created':
				if (!answer.erpId) {
					// "Created" without an id is no proof of which record: find it by reference.
					work.sent = true;
					work.mayHaveLanded = true;
					work.erpSaysExists = true;
					work.phase = 'lookup';
					work.lookupNotBefore = ledger.now();
					return;
				}
				results.set(work.job.id, await this.commitPosted(work, 'posted', 'created', { erpId: answer.erpId, response: answer.response, latencyMs }));
				return;
			case 'exists':
				// With or without an id, "exists" is the ERP's word, not proof that the record is this invoice: look it up.
				if (answer.erpId) work.existsAnswer = { erpId: answer.erpId, response: answer.response };
				else work.erpSaysExists = true;
				work.phase = 'lookup';
				work.lookupNotBefore = ledger.now();
				return;
			case 'permanent': {
				const error = answer.message ?? `the ERP refused the invoice (HTTP ${answer.httpStatus ?? '?'})`;
				results.set(work.job.id, await this.commit(work, 'failed', 'rejected', async (holder) => await ledger.markFailed(work.job.key, { error, countAttempt: true, holder }), error));
				return;
			}
			case 'retryable': {
				work.tries++;
				work.lastError = answer.message ?? `temporary ERP error (HTTP ${answer.httpStatus ?? '?'})`;
				work.retryAfterMs = answer.retryAfterMs;
				const notBefore = answer.retryNotBefore ?? (answer.retryAfterMs !== undefined && answer.retryAfterMs > 0 ? ledger.now() + answer.retryAfterMs : undefined);
				// e.g. an hourly quota, or a Retry-After of days: waiting here would park the run with its keys; a later run takes it up.
				if (notBefore !== undefined && notBefore - ledger.now() > this.retryAfterCeiling()) results.set(work.job.id, await this.retryLater(work, notBefore));
				return;
			}
			case 'ambiguous':
				work.tries++;
				work.sent = true;
				work.mayHaveLanded = true;
				work.lastError = answer.message ?? 'the ERP did not confirm whether the invoice was created';
				// A Retry-After on an answer that may have committed says nothing about when a lookup may run.
				work.retryAfterMs = undefined;
				if (options.verifyBeforeRetry || !this.nativeUniqueness) {
					if (!options.verifyBeforeRetry) {
						const error = `outcome unknown (${work.lastError}); Verify Before Retry is off, so it was not posted again`;
						results.set(work.job.id, await this.commit(work, 'failed', 'unknown', async (holder) => await ledger.markUnknown(work.job.key, { error, countAttempt: true, holder }), error));
						return;
					}
					work.phase = 'lookup';
					// The ERP may still be working on it after we gave up: "absent" counts only once it could have landed.
					work.lookupNotBefore = ledger.now() + this.settleMs;
					work.absentAt = undefined;
				}
				return;
		}
	}

	/** The ERP asked for a wait longer than this run may hold its keys for: a later run takes it up at the ERP's date. */
	private async retryLater(work: Work, notBefore: number): Promise<JobResult> {
		const { ledger } = this.deps;
		const error = `the ERP asks to retry after ${new Date(notBefore).toISOString()}: ${work.lastError ?? 'throttled'}`;
		return await this.commit(work, 'failed', 'retryLater', async (holder) => await ledger.markRetry(work.job.key, { error, nextAttemptAt: notBefore, countAttempt: work.tries > 0, holder }), error);
	}

	/** Out of tries: a RETRY record if nothing can have landed, UNKNOWN if a create may have. */
	private async giveUp(work: Work): Promise<JobResult> {
		const { ledger, options } = this.deps;
		const reason = work.lastError ?? 'no answer';
		if (work.mayHaveLanded && work.phase === 'lookup') {
			const error = `outcome unknown after ${work.tries} attempts: ${reason}. Verify it by reference before posting it again.`;
			return await this.commit(work, 'failed', 'unknown', async (holder) => await ledger.markUnknown(work.job.key, { error, countAttempt: true, holder }), error);
		}
		const error = `retries exhausted after ${work.tries} attempts: ${reason}`;
		const nextAttemptAt = ledger.now() + options.maxDelayMs;
		return await this.commit(work, 'failed', 'retriesExhausted', async (holder) => await ledger.markRetry(work.job.key, { error, nextAttemptAt, countAttempt: true, holder }), error);
	}

	/** Adopts a found record only if it is this invoice; references are shared by different invoices often enough. */
	private async commitFound(work: Work, matches: FoundInvoice[]): Promise<JobResult> {
		const { ledger, adapter, ctx } = this.deps;
		const ourParty = adapter.partyOf?.(ctx, work.job.invoice);
		const ours = matches.filter((match) => mismatchesOf(work.job.invoice, match, ourParty).length === 0);
		if (ours.length === 0) {
			const others = matches.map((match) => `ERP id ${match.erpId}: ${describeMismatches(mismatchesOf(work.job.invoice, match, ourParty))}`).join('; ');
			const error =
				`not posted and not recorded as posted: the ERP holds ${matches.length === 1 ? 'an invoice' : `${matches.length} invoices`} with reference "${work.job.reference}" that ${matches.length === 1 ? 'is' : 'are'} not this one (${others}). ` +
				(work.mayHaveLanded ? 'A create of this invoice was sent and may also have landed. ' : '') +
				'Give this invoice its own reference, then release the key.';
			return await this.commit(work, 'failed', 'referenceMismatch', async (holder) => await ledger.markFailed(work.job.key, { error, holder }), error);
		}
		const named = work.existsAnswer && ours.find((match) => match.erpId === work.existsAnswer!.erpId);
		if (named) {
			// The record the ERP's "exists" answer named, verified as this invoice: its answer is the one to keep.
			return await this.commitPosted(work, work.sent ? 'posted' : 'alreadyExisted', 'exists', { erpId: named.erpId, response: work.existsAnswer!.response });
		}
		const note = matches.length > 1 ? `the ERP holds ${matches.length} invoices with this reference (ids ${matches.map((match) => match.erpId).join(', ')}); recorded ${ours[0].erpId}, which matches this invoice` : undefined;
		return await this.commitPosted(work, work.sent ? 'posted' : 'alreadyExisted', work.sent ? 'createdVerified' : 'foundInErp', {
			erpId: ours[0].erpId,
			response: { erpId: ours[0].erpId, foundByReference: true },
			note,
		});
	}

	private async commitPosted(
		work: Work,
		route: Route,
		outcome: string,
		details: { erpId?: string; response?: IDataObject; latencyMs?: number; note?: string },
	): Promise<JobResult> {
		const { ledger, replyPendingMs } = this.deps;
		return await this.commit(
			work,
			route,
			outcome,
			async (holder) =>
				await ledger.markPosted(work.job.key, {
					erpId: details.erpId,
					response: details.response,
					latencyMs: details.latencyMs,
					countAttempt: route === 'posted',
					holder,
					...(work.adopted && replyPendingMs ? { replyPendingUntil: ledger.now() + replyPendingMs } : {}),
				}),
			details.note,
			details.erpId,
		);
	}

	/**
	 * Writes the ledger, fenced: only while this run still holds the key. A lost key leaves by Failed
	 * (what the ERP said is in the reason); any other failing write never hides what happened at the ERP.
	 */
	private async commit(work: Work, route: Route, outcome: string, write: (holder: Holder) => Promise<LedgerRecord>, error?: string, erpId?: string): Promise<JobResult> {
		try {
			const record = await write(holderOf(work));
			work.record = record;
			return { route, outcome, record, ...(error ? { error } : {}) };
		} catch (ledgerError) {
			if (ledgerError instanceof OwnershipLostError) {
				const what = erpId ? `the ERP holds it as id ${erpId}, not recorded by this run` : `this run's outcome (${outcome}${error ? `: ${error}` : ''}) was not recorded`;
				return this.lostResult(work, ledgerError, what);
			}
			const message = `ledger write failed (${(ledgerError as Error).message})`;
			return { route, outcome, record: work.record, error: error ? `${error}; ${message}` : message };
		}
	}

	private async waitForOthers(jobs: PostingJob[], results: Map<number, JobResult>): Promise<PostingJob[]> {
		const { ledger, options, sleep } = this.deps;
		const deadline = ledger.now() + options.waitForInFlightMs;
		let waiting = jobs;
		while (waiting.length > 0 && ledger.now() < deadline) {
			await sleep(POLL_MS);
			const records = await ledger.getMany(waiting.map((job) => job.key));
			const still: PostingJob[] = [];
			for (const job of waiting) {
				const record = records.get(job.key);
				const state = record ? ledger.stateOf(record) : undefined;
				if (record && state === 'POSTED') results.set(job.id, { route: 'alreadyExisted', outcome: 'duplicate', record });
				else if (record && state === 'PENDING') still.push(job);
				else return waiting.filter((held) => !results.has(held.id)); // given back (RETRY, UNKNOWN, released): reserve again
			}
			waiting = still;
		}
		return waiting.filter((job) => !results.has(job.id));
	}

	private repeatResult(job: PostingJob, first: PostingJob, results: Map<number, JobResult>): JobResult {
		const firstResult = results.get(first.id)!;
		if (job.fingerprint !== first.fingerprint) {
			return { route: 'failed', outcome: 'conflict', record: firstResult.record, error: `not posted: item ${first.itemIndex} of this run carries the same idempotency key with different content` };
		}
		if (firstResult.route === 'failed') return { ...firstResult };
		return { route: 'alreadyExisted', outcome: 'duplicateInRun', record: firstResult.record };
	}
}

function holderOf(work: Work): Holder {
	return { correlationId: work.record.correlationId, version: work.record.version };
}

/** The call never started (e.g. the cross-worker account limiter could not reach Redis): safe to retry. */
function notSent(error: Error): PostResult {
	return { outcome: 'retryable', message: `not sent: ${error.message}` };
}

function ambiguous(message: string): PostResult {
	return { outcome: 'ambiguous', message };
}

/** RFC 8941 sf-string, as the idempotency-key draft wants; a key outside printable ASCII is sent base64url-encoded. */
function structuredFieldString(key: string): string {
	return /^[\x20-\x7e]*$/.test(key) ? `"${key.replace(/[\\"]/g, (char) => `\\${char}`)}"` : `"${Buffer.from(key).toString('base64url')}"`;
}
