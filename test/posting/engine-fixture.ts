import type { CanonicalInvoice, ErpAdapter, ErpCapabilities, ErpContext, FoundInvoice, PostAttempt, PostResult } from '../../nodes/shared/erp/types';
import { Ledger, type LedgerIdentity } from '../../nodes/shared/ledger/ledger';
import { StaticDataLedgerStore } from '../../nodes/shared/ledger/staticData/store';
import { ledgerTable } from '../../nodes/shared/ledger/staticData/registry';
import { PostingEngine, type JobResult, type PostingJob, type PostingOptions } from '../../nodes/shared/posting/engine';
import { Semaphore } from '../../nodes/shared/posting/limiter';
import { fingerprintOf } from '../../nodes/shared/ledger/fingerprint';
import { FakeClock } from '../unit/ledger-fixture';

/** What the fake ERP does with one create: answer, and whether (and when, in fake ms from now) it commits. */
export interface CreateScript {
	answer: PostResult['outcome'];
	/** Commit the invoice this many fake ms after the call (0: at once); undefined: never. */
	commitAfterMs?: number;
	/** Fake ms the call itself takes (the clock moves by it). */
	takesMs?: number;
	retryAfterMs?: number;
	/** Answer without the id (for `created` / `exists`). */
	noId?: boolean;
}

interface Stored {
	found: FoundInvoice;
	committedAt: number;
}

/**
 * An ERP without native uniqueness whose faults are as hostile as production's: commits that land
 * after the answer, lookups that see a commit only after a lag. Time is the test's FakeClock.
 */
export class FakeErp implements ErpAdapter {
	readonly erp = 'genericRest' as const;
	readonly credentialType = 'genericErpApi';
	readonly stored: Stored[] = [];
	creates: PostAttempt[] = [];
	lookups = 0;
	/** Lookups see a commit only this long after it. */
	lookupLagMs = 0;
	/** Called at the start of each create (after the engine decided to send it). */
	onCreate?: (attempt: PostAttempt, index: number) => void | Promise<void>;
	private serial = 0;

	constructor(
		private readonly clock: FakeClock,
		private readonly script: (attempt: PostAttempt, index: number) => CreateScript = () => ({ answer: 'created', commitAfterMs: 0 }),
		readonly caps: Partial<ErpCapabilities> = {},
	) {}

	capabilities(): ErpCapabilities {
		return { nativeUniqueness: false, lookupChunkSize: 20, ...this.caps };
	}

	/** Something already in the ERP under a reference (another invoice, or ours from a lost run). */
	seed(found: Omit<FoundInvoice, 'erpId'> & { erpId?: string }): void {
		this.stored.push({ found: { erpId: `SEED-${++this.serial}`, ...found }, committedAt: this.clock.now() - 1e9 });
	}

	async create(_ctx: ErpContext, attempt: PostAttempt): Promise<PostResult> {
		const index = this.creates.length;
		this.creates.push(attempt);
		await this.onCreate?.(attempt, index);
		const step = this.script(attempt, index);
		const erpId = `ERP-${++this.serial}`;
		if (step.commitAfterMs !== undefined) {
			const { invoice } = attempt;
			this.stored.push({
				found: { reference: attempt.reference, erpId, invoiceNumber: invoice.invoiceNumber, amount: invoice.amount, invoiceDate: invoice.invoiceDate, currency: invoice.currency },
				committedAt: this.clock.now() + step.commitAfterMs,
			});
		}
		if (step.takesMs) this.clock.advance(step.takesMs);
		const withId = step.noId ? {} : { erpId };
		switch (step.answer) {
			case 'created':
			case 'exists':
				return { outcome: step.answer, ...withId };
			case 'retryable':
				return { outcome: 'retryable', httpStatus: 503, message: 'busy', ...(step.retryAfterMs ? { retryAfterMs: step.retryAfterMs } : {}) };
			case 'ambiguous':
				return { outcome: 'ambiguous', message: 'timed out' };
			default:
				return { outcome: 'permanent', httpStatus: 422, message: 'refused' };
		}
	}

	async findByReferences(_ctx: ErpContext, references: string[]): Promise<Map<string, FoundInvoice[]>> {
		this.lookups++;
		const visibleBefore = this.clock.now() - this.lookupLagMs;
		return new Map(references.map((reference) => [reference, this.stored.filter((s) => s.found.reference === reference && s.committedAt <= visibleBefore).map((s) => s.found)]));
	}

	classify(): PostResult {
		throw new Error('not used');
	}

	/** Invoices the ERP holds per reference (once every late commit has landed). */
	countByReference(): Record<string, number> {
		const counts: Record<string, number> = {};
		for (const { found } of this.stored) counts[found.reference] = (counts[found.reference] ?? 0) + 1;
		return counts;
	}
}

export const OPTIONS: PostingOptions = {
	maxAttempts: 4,
	initialDelayMs: 1000,
	maxDelayMs: 30_000,
	concurrency: 1,
	batchSize: 1,
	verifyBeforeRetry: true,
	requestTimeoutMs: 30_000,
	idempotencyHeader: '',
	lookupBeforePost: 'auto',
	leaseMs: 300_000,
	lookbackDays: 90,
	waitForInFlightMs: 1000,
	settleMs: 10_000,
};

let serial = 0;

/** A static-data ledger of its own, on the fake clock, as one process (`instance`) sees it. */
export function ledgerOn(clock: FakeClock, table = ledgerTable(`wf-engine-${++serial}-${Math.random().toString(36).slice(2)}`, 'invoices'), identity?: LedgerIdentity) {
	return { ledger: new Ledger(new StaticDataLedgerStore(table, {}, 'invoices'), clock.now, identity), table };
}

export function invoice(n: number, overrides: Partial<CanonicalInvoice> = {}): CanonicalInvoice {
	const number = `INV-${String(n).padStart(4, '0')}`;
	return { invoiceNumber: number, externalReference: `REF-${number}`, invoiceDate: '2026-11-24', currency: 'EUR', amount: 100 + n, customerId: 'C-100', ...overrides };
}

export function jobOf(id: number, inv: CanonicalInvoice, extra: Partial<PostingJob> = {}): PostingJob {
	return { id, itemIndex: id, key: `KEY-${inv.invoiceNumber}`, reference: inv.externalReference!, fingerprint: fingerprintOf(inv), invoice: inv, ...extra };
}

/** An engine whose sleeps move the fake clock (no real waiting); `sleeps` records what it waited. */
export function engineOn(clock: FakeClock, ledger: Ledger, adapter: ErpAdapter, options: Partial<PostingOptions> = {}, extra: { execution?: string; replyPendingMs?: number; onSleep?: (ms: number) => void | Promise<void> } = {}) {
	const sleeps: number[] = [];
	const engine = new PostingEngine({
		ledger,
		adapter,
		ctx: { transport: { send: async () => ({ kind: 'failure', code: 'other', message: 'no network', sent: false }) }, credentials: {}, settings: {}, requestTimeoutMs: 30_000 },
		options: { ...OPTIONS, ...options },
		limiter: new Semaphore(options.concurrency ?? OPTIONS.concurrency),
		sleep: async (ms) => {
			sleeps.push(ms);
			clock.advance(ms);
			await extra.onSleep?.(ms);
		},
		random: () => 0.5,
		...(extra.execution ? { execution: extra.execution } : {}),
		...(extra.replyPendingMs ? { replyPendingMs: extra.replyPendingMs } : {}),
	});
	return { engine, sleeps };
}

export function only(results: Map<number, JobResult>, id = 0): JobResult {
	const result = results.get(id);
	if (!result) throw new Error(`no result for job ${id}`);
	return result;
}
