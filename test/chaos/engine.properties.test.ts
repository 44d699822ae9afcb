import fc from 'fast-check';

import { Ledger } from '../../nodes/shared/ledger/ledger';
import { ledgerTable } from '../../nodes/shared/ledger/staticData/registry';
import { StaticDataLedgerStore } from '../../nodes/shared/ledger/staticData/store';
import { PostingEngine, type PostingJob, type PostingOptions } from '../../nodes/shared/posting/engine';
import type { CanonicalInvoice, ErpAdapter, ErpContext, FoundInvoice, PostAttempt, PostResult } from '../../nodes/shared/erp/types';
import { propertyParameters } from './property-runs';

/**
 * The posting engine against a model ERP (issue 15): random answers to every create — committed or not,
 * answered or not, committed late (within the settle window the adapter declares), "exists" without an
 * id, "exists" because of another record — random lookup lag, reused references, and two executions
 * at once. Whatever happens, after the runs and every late commit: no invoice is in the ERP twice, no
 * key is POSTED without an ERP id that is this invoice's record, and an invoice routed as done is in the ERP.
 */

/** How long the model ERP may still commit an answered-ambiguous create; the adapter declares it (settleMs). */
const SETTLE_MS = 4_000;

type Answer = 'ok' | 'failBefore' | 'ambiguousCommitted' | 'ambiguousLate' | 'ambiguousNothing' | 'existsNoId' | 'existsOther';
const ANSWERS: Answer[] = ['ok', 'failBefore', 'ambiguousCommitted', 'ambiguousLate', 'ambiguousNothing', 'existsNoId', 'existsOther'];

interface ModelRecord {
	id: string;
	reference: string;
	invoiceNumber: string;
	amount: number;
	visibleAt: number;
}

class ModelErp implements ErpAdapter {
	readonly erp = 'genericRest' as const;
	readonly credentialType = 'genericErpApi';
	records: ModelRecord[] = [];
	private late: Array<{ at: number; record: Omit<ModelRecord, 'visibleAt'> }> = [];
	private calls = 0;
	private serial = 0;

	constructor(
		private readonly clock: { now: number },
		private readonly answers: Answer[],
		private readonly lateMs: number[],
		private readonly lookupLagMs: number,
	) {}

	capabilities() {
		return { nativeUniqueness: false, lookupChunkSize: 20, settleMs: SETTLE_MS };
	}

	/** Late commits whose time has come land in the ERP. */
	tick(): void {
		const due = this.late.filter((entry) => entry.at <= this.clock.now);
		this.late = this.late.filter((entry) => entry.at > this.clock.now);
		for (const entry of due) this.records.push({ ...entry.record, visibleAt: entry.at + this.lookupLagMs });
	}

	drain(): void {
		this.clock.now += SETTLE_MS + this.lookupLagMs + 1;
		this.tick();
	}

	private commit(attempt: PostAttempt): ModelRecord {
		this.serial += 1;
		const record = { id: `ERP-${this.serial}`, reference: attempt.reference, invoiceNumber: attempt.invoice.invoiceNumber, amount: attempt.invoice.amount, visibleAt: this.clock.now + this.lookupLagMs };
		this.records.push(record);
		return record;
	}

	async create(_ctx: ErpContext, attempt: PostAttempt): Promise<PostResult> {
		this.tick();
		const answer = this.answers[this.calls % this.answers.length];
		const lateMs = this.lateMs[this.calls % this.lateMs.length];
		this.calls += 1;
		switch (answer) {
			case 'ok':
				return { outcome: 'created', erpId: this.commit(attempt).id, httpStatus: 201 };
			case 'failBefore':
				return { outcome: 'retryable', httpStatus: 429, message: 'not now' };
			case 'ambiguousCommitted':
				this.commit(attempt);
				return { outcome: 'ambiguous', message: 'timeout after commit' };
			case 'ambiguousLate':
				this.serial += 1;
				this.late.push({ at: this.clock.now + lateMs, record: { id: `ERP-${this.serial}`, reference: attempt.reference, invoiceNumber: attempt.invoice.invoiceNumber, amount: attempt.invoice.amount } });
				return { outcome: 'ambiguous', message: 'gateway timeout, the ERP is still working' };
			case 'ambiguousNothing':
				return { outcome: 'ambiguous', httpStatus: 502, message: 'bad gateway' };
			case 'existsNoId':
				return { outcome: 'exists', httpStatus: 409, message: 'already exists' };
			case 'existsOther': {
				const other = this.records.find((record) => record.reference !== attempt.reference);
				return { outcome: 'exists', httpStatus: 409, message: 'duplicate rule matched', ...(other ? { erpId: other.id } : {}) };
			}
		}
	}

	async findByReferences(_ctx: ErpContext, references: string[]): Promise<Map<string, FoundInvoice[]>> {
		this.tick();
		const found = new Map<string, FoundInvoice[]>();
		for (const reference of references) {
			const matches = this.records.filter((record) => record.reference === reference && record.visibleAt <= this.clock.now);
			found.set(reference, matches.map((record) => ({ reference, erpId: record.id, invoiceNumber: record.invoiceNumber, amount: record.amount })));
		}
		return found;
	}

	classify(): PostResult {
		throw new Error('the model ERP answers outcomes directly');
	}
}

const OPTIONS: PostingOptions = {
	maxAttempts: 4,
	initialDelayMs: 100,
	maxDelayMs: 2_000,
	concurrency: 2,
	batchSize: 1,
	verifyBeforeRetry: true,
	requestTimeoutMs: 1_000,
	idempotencyHeader: '',
	lookupBeforePost: 'auto',
	leaseMs: 300_000,
	lookbackDays: 90,
	waitForInFlightMs: 1_000,
};

let serial = 0;

const scenario = fc.record({
	invoices: fc.integer({ min: 1, max: 6 }),
	answers: fc.array(fc.constantFrom(...ANSWERS), { minLength: 1, maxLength: 12 }),
	// A late commit plus the lookup lag stay inside the settle window: beyond it no engine can tell (a documented limit).
	lateMs: fc.array(fc.integer({ min: 0, max: SETTLE_MS / 2 - 1 }), { minLength: 1, maxLength: 4 }),
	lookupLagMs: fc.constantFrom(0, 0, 500, 1_500),
	/** Invoice i uses invoice j's reference (a PO number used twice). */
	reuse: fc.array(fc.nat(5), { maxLength: 6 }),
	concurrentRuns: fc.integer({ min: 1, max: 2 }),
	reRuns: fc.integer({ min: 0, max: 2 }),
});

describe('posting engine properties (fast-check, against a model ERP)', () => {
	it('never two copies, never POSTED without this invoice’s ERP record, never done but absent', async () => {
		await fc.assert(
			fc.asyncProperty(scenario, async (s) => {
				serial += 1;
				const clock = { now: Date.UTC(2026, 10, 24, 9) };
				const erp = new ModelErp(clock, s.answers, s.lateMs, s.lookupLagMs);
				const store = new StaticDataLedgerStore(ledgerTable(`wf-engine-properties-${serial}`, 'invoices'), {}, 'invoices');
				const ledger = new Ledger(store, () => clock.now);
				const invoices: CanonicalInvoice[] = Array.from({ length: s.invoices }, (_, i) => ({
					invoiceNumber: `N-${i}`,
					externalReference: `R-${i}`,
					invoiceDate: '2026-11-24',
					currency: 'EUR',
					amount: 100 + i,
				}));
				s.reuse.forEach((target, i) => {
					if (i < invoices.length && target < i) invoices[i].externalReference = invoices[target].externalReference;
				});
				const jobs: PostingJob[] = invoices.map((invoice, i) => ({ id: i, itemIndex: i, key: `K-${i}`, reference: String(invoice.externalReference), fingerprint: `fp-${i}`, invoice }));
				const engine = () =>
					new PostingEngine({
						ledger,
						adapter: erp,
						ctx: { transport: { send: async () => ({ kind: 'failure', code: 'other', message: 'unused', sent: false }) }, credentials: {}, settings: {}, requestTimeoutMs: 1_000 },
						options: OPTIONS,
						limiter: { run: async (work) => await work() },
						// Time passes only when the engine waits: late commits and lookup lag play out in the model's time.
						sleep: async (ms) => {
							clock.now += ms;
							erp.tick();
						},
						random: () => 0.5,
					});
				let results = await Promise.all(Array.from({ length: s.concurrentRuns }, async () => await engine().run(jobs)));
				for (let again = 0; again < s.reRuns; again++) {
					clock.now += OPTIONS.leaseMs + 1;
					erp.tick();
					results = [await engine().run(jobs)];
				}
				erp.drain();

				for (const [i, invoice] of invoices.entries()) {
					const copies = erp.records.filter((record) => record.invoiceNumber === invoice.invoiceNumber);
					expect({ invoice: invoice.invoiceNumber, copies: copies.length <= 1 ? 'at most one' : copies.length }).toEqual({ invoice: invoice.invoiceNumber, copies: 'at most one' });
					const record = await ledger.get(`K-${i}`);
					if (record?.state === 'POSTED') {
						const own = copies.find((copy) => copy.id === record.erpId);
						expect({ invoice: invoice.invoiceNumber, postedAs: record.erpId, ownRecord: own !== undefined }).toEqual({ invoice: invoice.invoiceNumber, postedAs: record.erpId, ownRecord: true });
					}
					for (const result of results) {
						const routed = result.get(i);
						if (routed?.route === 'failed') expect(routed.error).toEqual(expect.any(String));
						if (routed?.route === 'posted' || routed?.route === 'alreadyExisted') {
							expect({ invoice: invoice.invoiceNumber, route: routed.route, inErp: copies.length }).toEqual({ invoice: invoice.invoiceNumber, route: routed.route, inErp: 1 });
						}
					}
				}
			}),
			propertyParameters(),
		);
	});
});
