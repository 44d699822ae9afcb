import type { IDataObject } from 'n8n-workflow';

import { ErpLookupError, type CanonicalInvoice, type ErpAdapter, type ErpContext, type FoundInvoice, type PostAttempt, type PostResult } from '../erp/types';
import { effectiveState, type Ledger, type ReserveDecision } from '../ledger/ledger';
import type { LedgerRecord } from '../ledger/types';
import { newCorrelationId } from '../items';
import type { Limiter } from './limiter';

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
	/** The ERP said it already holds the invoice but gave no id. */
	erpSaysExists: boolean;
	/** Out of tries after a create that may have landed: one last lookup decides, and nothing is posted after it. */
	finalCheck?: boolean;
	/** Why the last try did not settle it. */
	lastError?: string;
	retryAfterMs?: number;
}

const POLL_MS = 250;

/**
 * reserve → (lookup) → post → classify → retry / verify → commit, for any ERP behind the adapter
 * interface. Every job gets exactly one result; nothing is posted without a reservation, and
 * nothing whose outcome is unknown is posted again before it was looked up.
 */
export class PostingEngine {
	private readonly random: () => number;
	/**
	 * Until when the ERP asked us to hold off (a 429's Retry-After): calls not yet sent wait for the next
	 * round instead of collecting 429s of their own — an ERP that throttles also counts those.
	 */
	private throttledUntil = 0;

	constructor(private readonly deps: EngineDependencies) {
		this.random = deps.random ?? Math.random;
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
			const heldElsewhere = await this.process(pending, results, pass === 0);
			pending = heldElsewhere.length > 0 ? await this.waitForOthers(heldElsewhere, results) : [];
		}
		for (const job of pending) {
			results.set(job.id, { route: 'failed', outcome: 'inProgress', error: 'another execution is posting this invoice right now; it was not posted twice' });
		}
		for (const job of repeats) results.set(job.id, this.repeatResult(job, firstByKey.get(job.key)!, results));
		return results;
	}

	/** Reserve and settle `jobs`; returns the jobs another execution holds. */
	private async process(jobs: PostingJob[], results: Map<number, JobResult>, firstPass: boolean): Promise<PostingJob[]> {
		const works: Work[] = [];
		const heldElsewhere: PostingJob[] = [];
		for (const job of jobs) {
			let reserved: { decision: ReserveDecision; record: LedgerRecord };
			try {
				reserved = await this.reserve(job);
			} catch (error) {
				results.set(job.id, { route: 'failed', outcome: 'ledgerUnavailable', error: `not posted: ${(error as Error).message}` });
				continue;
			}
			const { decision, record } = reserved;
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
					// new / retake post (after a lookup when the ERP cannot refuse duplicates); verify looks up first.
					const lookFirst = decision === 'verify' || this.lookupBeforePost();
					works.push({ job, record, phase: lookFirst ? 'lookup' : 'post', tries: 0, sent: false, erpSaysExists: false });
				}
			}
		}
		await this.settle(works, results);
		return heldElsewhere;
	}

	private lookupBeforePost(): boolean {
		const { options, adapter, ctx } = this.deps;
		if (options.lookupBeforePost === 'always') return true;
		if (options.lookupBeforePost === 'never') return false;
		return !adapter.capabilities(ctx).nativeUniqueness;
	}

	private async reserve(job: PostingJob): Promise<{ decision: ReserveDecision; record: LedgerRecord }> {
		const { ledger, options } = this.deps;
		if (job.adoptCorrelationId) {
			const held = await ledger.get(job.key);
			if (held && held.state === 'PENDING' && held.correlationId === job.adoptCorrelationId) {
				// Dedupe Check reserved this item for us: take its lease over instead of competing with it.
				const expired = effectiveState(held, ledger.now()) === 'UNKNOWN';
				await ledger.renewLease(job.key, options.leaseMs);
				const record = (await ledger.get(job.key)) ?? held;
				return { decision: expired ? 'verify' : 'new', record };
			}
		}
		return await ledger.reserve({
			key: job.key,
			fingerprint: job.fingerprint,
			reference: job.reference,
			correlationId: newCorrelationId(),
			leaseMs: options.leaseMs,
			takeOverUnknown: true,
		});
	}

	/** Rounds of lookups and posts until every work is settled or out of tries. */
	private async settle(works: Work[], results: Map<number, JobResult>): Promise<void> {
		const { options } = this.deps;
		let open = works;
		for (let round = 1; open.length > 0; round++) {
			const lookups = open.filter((work) => work.phase === 'lookup');
			if (lookups.length > 0) await this.lookupRound(lookups, results);
			const posts = open.filter((work) => work.phase === 'post' && !results.has(work.job.id));
			if (posts.length > 0) await this.postRound(posts, results);
			open = open.filter((work) => !results.has(work.job.id));
			for (const work of open) {
				if (work.tries < options.maxAttempts) continue;
				if (work.phase === 'lookup' && work.sent && !work.finalCheck) work.finalCheck = true;
				else results.set(work.job.id, await this.giveUp(work));
			}
			open = open.filter((work) => !results.has(work.job.id));
			if (open.length === 0) break;
			const wait = this.backoff(round, Math.max(0, ...open.map((work) => work.retryAfterMs ?? 0)));
			if (wait * 3 > options.leaseMs) await Promise.all(open.map(async (work) => await this.deps.ledger.renewLease(work.job.key, options.leaseMs + wait)));
			await this.deps.sleep(wait);
		}
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
		const { adapter, ctx, limiter, options } = this.deps;
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
					// A lookup that cannot succeed by waiting (e.g. rejected credentials) ends the tries now.
					const hopeless = error instanceof ErpLookupError && !error.retryable;
					for (const work of chunk) {
						work.tries = hopeless ? Math.max(work.tries + 1, options.maxAttempts) : work.tries + 1;
						if (hopeless) work.finalCheck = true;
						work.lastError = `could not look the invoice up by reference: ${(error as Error).message}`;
					}
					return;
				}
				for (const work of chunk) {
					const matches = found.get(work.job.reference) ?? [];
					if (matches.length > 0) {
						results.set(work.job.id, await this.commitFound(work, matches));
					} else if (work.erpSaysExists) {
						results.set(
							work.job.id,
							await this.commitPosted(work, work.sent ? 'posted' : 'alreadyExisted', 'exists', {
								note: 'the ERP reported the invoice as existing but a lookup by reference did not return it',
							}),
						);
					} else {
						work.phase = 'post';
						// Verified absent after the last allowed try: nothing landed, a later run may post it.
						if (work.finalCheck) results.set(work.job.id, await this.giveUp(work));
					}
				}
			}),
		);
	}

	private async postRound(works: Work[], results: Map<number, JobResult>): Promise<void> {
		const { adapter, ctx, limiter, options } = this.deps;
		const maxBatch = Math.min(options.batchSize, adapter.capabilities(ctx).maxBatchSize ?? 1);
		if (adapter.createBatch && maxBatch > 1) {
			const batches: Work[][] = [];
			for (let start = 0; start < works.length; start += maxBatch) batches.push(works.slice(start, start + maxBatch));
			await Promise.all(
				batches.map(async (batch) => {
					const started = Date.now();
					const answers = await limiter
						.run(async () => {
							if (this.holdingOff(batch)) return undefined;
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

	/** While the ERP asked to wait, a call is not sent: its works wait for the next round, and that is not a try. */
	private holdingOff(works: Work[]): boolean {
		const waitMs = this.throttledUntil - Date.now();
		if (waitMs <= 0) return false;
		for (const work of works) work.retryAfterMs = waitMs;
		return true;
	}

	private noteThrottle(answers: PostResult[]): PostResult[] {
		for (const answer of answers) {
			if (answer.outcome === 'retryable' && answer.retryAfterMs !== undefined && answer.retryAfterMs > 0) {
				this.throttledUntil = Math.max(this.throttledUntil, Date.now() + answer.retryAfterMs);
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
		const { adapter, ctx, options, ledger } = this.deps;
		switch (answer.outcome) {
			case 'created':
				results.set(work.job.id, await this.commitPosted(work, 'posted', 'created', { erpId: answer.erpId, response: answer.response, latencyMs }));
				return;
			case 'exists':
				if (answer.erpId) {
					results.set(work.job.id, await this.commitPosted(work, work.sent ? 'posted' : 'alreadyExisted', 'exists', { erpId: answer.erpId, response: answer.response }));
				} else {
					work.erpSaysExists = true;
					work.phase = 'lookup';
				}
				return;
			case 'permanent': {
				const error = answer.message ?? `the ERP refused the invoice (HTTP ${answer.httpStatus ?? '?'})`;
				results.set(work.job.id, await this.commit(work, 'failed', 'rejected', async () => await ledger.markFailed(work.job.key, { error, countAttempt: true }), error));
				return;
			}
			case 'retryable': {
				work.tries++;
				work.lastError = answer.message ?? `temporary ERP error (HTTP ${answer.httpStatus ?? '?'})`;
				work.retryAfterMs = answer.retryAfterMs;
				const notBefore = answer.retryNotBefore;
				if (notBefore !== undefined && notBefore - ledger.now() > options.maxDelayMs) {
					// e.g. an hourly quota: waiting here would block the run; a later run takes it up.
					const error = `the ERP asks to retry after ${new Date(notBefore).toISOString()}: ${work.lastError}`;
					results.set(work.job.id, await this.commit(work, 'failed', 'retryLater', async () => await ledger.markRetry(work.job.key, { error, nextAttemptAt: notBefore, countAttempt: true }), error));
				}
				return;
			}
			case 'ambiguous':
				work.tries++;
				work.sent = true;
				work.lastError = answer.message ?? 'the ERP did not confirm whether the invoice was created';
				work.retryAfterMs = answer.retryAfterMs;
				if (options.verifyBeforeRetry || !adapter.capabilities(ctx).nativeUniqueness) {
					if (!options.verifyBeforeRetry) {
						const error = `outcome unknown (${work.lastError}); Verify Before Retry is off, so it was not posted again`;
						results.set(work.job.id, await this.commit(work, 'failed', 'unknown', async () => await ledger.markUnknown(work.job.key, { error, countAttempt: true }), error));
						return;
					}
					work.phase = 'lookup';
				}
				return;
		}
	}

	/** Out of tries: a RETRY record if nothing can have landed, UNKNOWN if a create may have. */
	private async giveUp(work: Work): Promise<JobResult> {
		const { ledger, options } = this.deps;
		const reason = work.lastError ?? 'no answer';
		if (work.sent && work.phase === 'lookup') {
			const error = `outcome unknown after ${work.tries} attempts: ${reason}. Verify it by reference before posting it again.`;
			return await this.commit(work, 'failed', 'unknown', async () => await ledger.markUnknown(work.job.key, { error, countAttempt: true }), error);
		}
		const error = `retries exhausted after ${work.tries} attempts: ${reason}`;
		const nextAttemptAt = ledger.now() + options.maxDelayMs;
		return await this.commit(work, 'failed', 'retriesExhausted', async () => await ledger.markRetry(work.job.key, { error, nextAttemptAt, countAttempt: true }), error);
	}

	private async commitFound(work: Work, matches: FoundInvoice[]): Promise<JobResult> {
		const note = matches.length > 1 ? `the ERP holds ${matches.length} invoices with this reference (ids ${matches.map((match) => match.erpId).join(', ')}); recorded the first` : undefined;
		return await this.commitPosted(work, work.sent ? 'posted' : 'alreadyExisted', work.sent ? 'createdVerified' : 'foundInErp', {
			erpId: matches[0].erpId,
			response: { erpId: matches[0].erpId, foundByReference: true },
			note,
		});
	}

	private async commitPosted(
		work: Work,
		route: Route,
		outcome: string,
		details: { erpId?: string; response?: IDataObject; latencyMs?: number; note?: string },
	): Promise<JobResult> {
		const { ledger } = this.deps;
		return await this.commit(
			work,
			route,
			outcome,
			async () =>
				await ledger.markPosted(work.job.key, {
					erpId: details.erpId,
					response: details.response,
					latencyMs: details.latencyMs,
					countAttempt: route === 'posted',
				}),
			details.note,
		);
	}

	/** Writes the ledger; a failing write never hides what happened at the ERP. */
	private async commit(work: Work, route: Route, outcome: string, write: () => Promise<LedgerRecord>, error?: string): Promise<JobResult> {
		try {
			const record = await write();
			return { route, outcome, record, ...(error ? { error } : {}) };
		} catch (ledgerError) {
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
				const state = record ? effectiveState(record, ledger.now()) : undefined;
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
