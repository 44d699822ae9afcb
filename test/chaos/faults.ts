import type { FaultConfig } from '../../sandbox/core/types';
import type { ChaosErp } from './erps';

export type PostingMode = 'single' | 'batch';
export type LedgerStoreKind = 'workflowStaticData' | 'redis';

/**
 * What the harness does around the runs, for faults that are not the ERP's: several executions at
 * once, a process killed with its ledger writes lost, Redis restarted empty or failed over to a
 * replica that missed the last writes, different invoices that share one reference.
 */
export type HarnessFault = 'concurrent' | 'crash' | 'redisEmpty' | 'redisLostWrites' | 'ledgerLoss' | 'reusedReferences' | 'slowRun';

export interface FaultProfile {
	name: string;
	/** The sandbox's faults for this cell (over the ERP's baseline). */
	sandbox: (erp: ChaosErp, mode: PostingMode) => FaultConfig;
	harness?: HarnessFault;
	/** Why this fault does not apply to an ERP / mode / store (then the cell is listed as n/a). */
	notApplicable?: (erp: ChaosErp, mode: PostingMode, store: LedgerStoreKind) => string | undefined;
}

/**
 * Scaled time: the Post node's request timeout is 1.5 s (CHAOS_NODE_OPTIONS), so a held answer of 3 s
 * is a timeout, and a late commit 2–4 s after the request lands while the engine is already
 * verifying or retrying — as ION's gateway (60 s) does to a 30 s client.
 */
const HOLD_MS = 3000;

const batchOnly = (erp: ChaosErp, mode: PostingMode) => (erp.batch && mode === 'batch' ? undefined : 'needs a batch call');
const expiringAuth = (erp: ChaosErp) => (erp.expires ? undefined : 'basic auth: nothing expires');
const staticOnly = (_erp: ChaosErp, _mode: PostingMode, store: LedgerStoreKind) => (store === 'workflowStaticData' ? undefined : 'static data only (Redis: redisEmpty, redisLostWrites)');
const redisOnly = (_erp: ChaosErp, _mode: PostingMode, store: LedgerStoreKind) => (store === 'redis' ? undefined : 'Redis only');

/**
 * Per-request latency that keeps a run of 300 invoices going for seconds (4 calls at a time of one
 * invoice, 4 of 15 in batches, FreeAgent one call at a time), and a few gateway 5xx: run A holds the
 * invoices they leave unknown through their settle window, and run B must take those over correctly too.
 * The Retry-After that holds run A is the harness's (cell.ts slowRun).
 */
function slowErp(erp: ChaosErp, mode: PostingMode): FaultConfig {
	const latencyMs = mode === 'batch' ? 400 : erp.sandbox === 'freeagent' ? 12 : 40;
	return { latencyMs, jitterMs: Math.round(latencyMs / 4), gateway5xx: 0.05, gatewayCommitShare: 0.5 };
}

export const FAULT_PROFILES: FaultProfile[] = [
	{ name: 'failBeforeCommit', sandbox: () => ({ failBeforeCommit: 0.15, failBeforeCommitStatus: 503 }) },
	{ name: 'commitThenTimeout', sandbox: () => ({ commitThenTimeout: 0.15, commitThenTimeoutMode: 'hold', holdMs: HOLD_MS }) },
	{ name: 'commitThenReset', sandbox: () => ({ commitThenTimeout: 0.15, commitThenTimeoutMode: 'reset' }) },
	{ name: 'midBatch500Partial', sandbox: () => ({ failMidBatchAt: 7, failMidBatchMode: 'partial500' }), notApplicable: batchOnly },
	{ name: 'midBatch504', sandbox: () => ({ failMidBatchAt: 7, failMidBatchMode: '504' }), notApplicable: batchOnly },
	{ name: 'throttleRetryAfter', sandbox: () => ({ throttle: 0.03, retryAfterSeconds: 1 }) },
	{
		name: 'throttleNoRetryAfter',
		sandbox: () => ({ throttle: 0.03, omitRetryAfter: true }),
		// FreeAgent's documented wait without Retry-After is a minute per 429 (the adapter's default): too long for a cell.
		notApplicable: (erp) => (erp.sandbox === 'freeagent' ? 'FreeAgent waits its documented 60 s per 429 without Retry-After' : undefined),
	},
	{ name: 'dropConnection', sandbox: () => ({ dropConnection: 0.08 }) },
	{ name: 'tokenExpiry', sandbox: () => ({ tokenTtlMs: 300 }), notApplicable: expiringAuth },
	{ name: 'concurrentDeliveries', sandbox: () => ({ latencyMs: 5, jitterMs: 5 }), harness: 'concurrent' },
	{ name: 'crashLosesLedgerWrites', sandbox: () => ({}), harness: 'crash', notApplicable: staticOnly },
	{ name: 'lateCommit', sandbox: () => ({ lateCommit: 0.15, lateCommitMinMs: 2000, lateCommitMaxMs: 4000, lateCommitItemMs: 40, holdMs: HOLD_MS }) },
	{ name: 'gateway5xx', sandbox: () => ({ gateway5xx: 0.15, gatewayCommitShare: 0.5 }) },
	{ name: 'lookupLag', sandbox: () => ({ lookupLagMs: 2000, commitThenTimeout: 0.1, holdMs: HOLD_MS }) },
	{
		name: 'noUniquenessRule',
		// Dataverse as shipped: no duplicate rule and no alternate key on a vendor-invoice table; then the ledger is lost.
		sandbox: () => ({ options: { uniqueFields: [], alternateKeys: false } }),
		harness: 'ledgerLoss',
		notApplicable: (erp) => (erp.sandbox === 'dataverse' ? undefined : 'Dataverse only'),
	},
	{ name: 'existsWithoutId', sandbox: () => ({ existsWithoutId: 0.1 }) },
	{ name: 'existsOtherRecord', sandbox: () => ({ existsOtherRecord: 0.1 }) },
	{ name: 'reusedReferences', sandbox: () => ({}), harness: 'reusedReferences' },
	{ name: 'redisRestartEmpty', sandbox: () => ({ commitThenTimeout: 0.05, holdMs: HOLD_MS }), harness: 'redisEmpty', notApplicable: redisOnly },
	{ name: 'redisLosesLastWrites', sandbox: () => ({}), harness: 'redisLostWrites', notApplicable: redisOnly },
	// A slowed ERP, so that run A is still posting when its leases run out and run B starts (cell.ts slowRun).
	{ name: 'slowRunOutlivesLease', sandbox: slowErp, harness: 'slowRun' },
];

/** Harness faults the in-process matrix cannot produce yet, listed so the table says so instead of hiding them. */
export const NOT_YET_COVERED: Array<{ name: string; why: string }> = [
	{
		name: 'clockSkewBetweenWorkers',
		why: 'n/a by construction here: Redis leases are judged by the Redis server\'s clock (a worker\'s wall clock is never read for them) and static data is one process; skew beyond the 5 s margin (a holder that still believes it owns taken-over keys) is the slowRunOutlivesLease cell, and the ledger properties skew the clock per actor',
	},
];
