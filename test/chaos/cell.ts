import Redis from 'ioredis';
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { startSandboxServer, type Sandbox } from '../../sandbox/core/server';
import type { HostileSimulator } from '../../sandbox/core/hostile';
import { mulberry32, streamSeed } from '../../sandbox/core/prng';
import { SIMULATOR_FACTORIES } from '../../sandbox/erps';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { chain, node, runWorkflow, type RunResult, type TestCredentialsHelper, type WorkflowJson } from '../helpers/n8n-harness';
import type { ChaosErp } from './erps';
import type { FaultProfile, LedgerStoreKind, PostingMode } from './faults';
import { redisLeaseProbe, staticDataLeaseProbe, type LeaseProbe } from './leases';

/** Scaled time for the Post node: every wait is short, so 300 invoices through a fault take seconds. */
export const CHAOS_NODE_OPTIONS: IDataObject = {
	requestTimeoutMs: 1500,
	initialDelayMs: 10,
	maxDelayMs: 120,
	maxAttempts: 4,
	concurrency: 4,
	// Covers the sandbox's latest late commit (4 s) plus its lookup lag (2 s): beyond the settle window no
	// engine can tell a late commit from none (the documented limit), so the matrix stays inside it.
	settleSeconds: 6,
};
const FAULTED_RERUNS = 2;
const HEALTHY_RERUNS = 3;

export interface Cell {
	id: string;
	erp: ChaosErp;
	fault: FaultProfile;
	mode: PostingMode;
	store: LedgerStoreKind;
	seed: number;
	invoices: number;
	/** Set when this combination does not apply (then nothing runs). */
	notApplicable?: string;
}

/** One invariant broken for some invoices: what, which, and enough to find them. */
export interface Violation {
	invariant: string;
	invoices: string[];
}

export interface CellResult {
	cell: Cell;
	inErp: number;
	duplicates: number;
	missing: number;
	onFailed: number;
	reRuns: number;
	violations: Violation[];
	/** The harness itself failed (a thrown error): the cell proves nothing. */
	error?: string;
	/** What the harness fault did, in numbers (e.g. leases expired and taken over): proof that it happened. */
	detail?: string;
	ms: number;
}

export interface CellEnvironment {
	redisPort?: number;
}

function canonicalInvoices(cell: Cell, random: () => number, sandbox: Sandbox): IDataObject[] {
	const tag = `${cell.erp.sandbox.slice(0, 3)}${cell.id.length}`;
	const list = Array.from({ length: cell.invoices }, (_, i) => {
		const n = String(i + 1).padStart(4, '0');
		// Distinct amounts: the identity of an invoice on an ERP that keeps no number of ours.
		const amount = 100 + i + Math.round(random() * 99) / 100;
		return cell.erp.decorate(
			{
				idempotencyKey: `CHAOS-${cell.id}-${n}`,
				externalReference: `CH-${tag}-${n}`,
				invoiceNumber: `CH-${tag}-N${n}`,
				invoiceDate: '2026-11-24',
				dueDate: '2026-12-24',
				currency: 'EUR',
				amount,
				customerId: 'C-100',
				customerName: 'Acme GmbH',
				lines: [{ description: 'Consulting', quantity: 1, unitPrice: amount }],
			},
			sandbox,
		);
	});
	if (cell.fault.harness === 'reusedReferences') {
		// One in ten invoices reuses another invoice's reference (a PO number used twice): different invoices, one reference.
		for (let i = 1; i < list.length; i++) {
			if (random() < 0.1) {
				const other = list[Math.floor(random() * i)];
				list[i] = cell.erp.decorate({ ...list[i], externalReference: other.externalReference }, sandbox);
			}
		}
	}
	return list;
}

function ledgerParameters(cell: Cell): IDataObject {
	const base: IDataObject = { ledger: 'invoices', ledgerStore: cell.store };
	if (cell.store === 'redis') base.keyPrefix = `chaos-${cell.id}`;
	return base;
}

function nodeCredentials(cell: Cell): Record<string, { id: string; name: string }> {
	// A credential id per cell: the Post node's account limiter is per credential, and cells must not share one.
	const credentials: Record<string, { id: string; name: string }> = { [cell.erp.credentialType]: { id: `cred-${cell.id}`, name: cell.erp.erp } };
	if (cell.store === 'redis') credentials.redis = { id: `redis-${cell.id}`, name: 'redis' };
	return credentials;
}

/**
 * Once the ERP is healthy again, a slow answer is only the machine being busy (the cells share one
 * process): a generous timeout keeps the verdict independent of how loaded the machine is.
 */
const HEALTHY_NODE_OPTIONS: IDataObject = { requestTimeoutMs: 15_000 };

function postWorkflow(cell: Cell, overrides: IDataObject = {}): WorkflowJson {
	const options = { ...CHAOS_NODE_OPTIONS, batchSize: cell.mode === 'batch' ? 15 : 1, ...overrides };
	return {
		...chain([node('Post', 'idempotentInvoicePost', { erp: cell.erp.erp, ...cell.erp.parameters, ...ledgerParameters(cell), options }, nodeCredentials(cell))]),
		id: `wf-${cell.id}`,
	};
}

function lookupWorkflow(cell: Cell): WorkflowJson {
	return {
		...chain([node('Lookup', 'dedupeCheck', { operation: 'lookup', ...ledgerParameters(cell) }, cell.store === 'redis' ? { redis: { id: `redis-${cell.id}`, name: 'redis' } } : undefined)]),
		id: `wf-${cell.id}`,
	};
}

type Routed = { posted: INodeExecutionData[]; existed: INodeExecutionData[]; failed: INodeExecutionData[] };
const routedOf = (run: RunResult): Routed => {
	const [posted = [], existed = [], failed = []] = run.outputs('Post');
	return { posted, existed, failed };
};
const keyOf = (item: INodeExecutionData) => String(item.json.idempotencyKey);
const idemOf = (item: INodeExecutionData) => (item.json.idempotency ?? {}) as IDataObject;

/** Runs one cell: the faulted runs, the re-runs until nothing is due, then the history against the ERP's truth. */
export async function runCell(cell: Cell, env: CellEnvironment): Promise<CellResult> {
	const started = Date.now();
	const simulator = SIMULATOR_FACTORIES[cell.erp.sandbox]() as HostileSimulator;
	const random = mulberry32(streamSeed(cell.seed, `harness:${cell.id}`));
	const sandbox = await startSandboxServer({ simulators: [simulator], seed: cell.seed });
	let redis: Redis | undefined;
	try {
		const credentials: TestCredentialsHelper = await cell.erp.credentials(sandbox);
		if (cell.store === 'redis') {
			credentials.stored.set('redis', { host: '127.0.0.1', port: env.redisPort as number, database: 0 });
			redis = new Redis({ host: '127.0.0.1', port: env.redisPort, lazyConnect: true, maxRetriesPerRequest: 1 });
			await redis.connect();
		}
		const faults = cell.fault.sandbox(cell.erp, cell.mode);
		sandbox.setFaults(cell.erp.sandbox, { ...cell.erp.baseline, ...faults, options: { ...cell.erp.baseline.options, ...faults.options } });
		const input = canonicalInvoices(cell, random, sandbox);
		const workflow = postWorkflow(cell);
		let staticData: IDataObject = {};
		let current = workflow;
		const run = async (items: IDataObject[], data: IDataObject) => await runWorkflow({ workflow: current, input: items, credentials, staticData: data });
		const harness = cell.fault.harness === 'ledgerLoss' ? (cell.store === 'redis' ? 'redisEmpty' : 'crash') : cell.fault.harness;

		let last: RunResult;
		let detail: string | undefined;
		const harnessViolations: Violation[] = [];
		if (harness === 'slowRun') {
			const workflowId = `wf-${cell.id}`;
			const probe = redis ? redisLeaseProbe(redis, `chaos-${cell.id}`, workflowId, 'invoices') : staticDataLeaseProbe(workflowId, 'invoices');
			const slow = await slowRun(cell, sandbox, probe, async () => await run(input, staticData));
			({ last, detail } = slow);
			harnessViolations.push(...slow.violations);
			staticData = last.staticData;
		} else if (harness === 'concurrent') {
			// 2–20 executions at once, each with an overlapping share of the invoices (together: all of them).
			const executions = 2 + Math.floor(random() * 19);
			const shares: IDataObject[][] = Array.from({ length: executions }, () => []);
			for (const invoice of input) {
				const owner = Math.floor(random() * executions);
				shares.forEach((share, index) => {
					if (index === owner || random() < 0.3) share.push(invoice);
				});
			}
			const runs = await Promise.all(shares.map(async (share) => await run(share, staticData)));
			staticData = runs[runs.length - 1].staticData;
			last = runs[runs.length - 1];
		} else if (harness === 'crash') {
			// kill -9 after the run reached the ERP: nothing it wrote to the ledger was saved, and the process starts empty.
			await run(input, staticData);
			clearRegistry();
			last = await run(input, staticData);
			staticData = last.staticData;
		} else if (harness === 'redisEmpty' || harness === 'redisLostWrites') {
			const prefix = `chaos-${cell.id}`;
			let snapshot: Array<[string, Buffer]> | undefined;
			const half = Math.floor(cell.invoices / 2);
			const watcher =
				harness === 'redisLostWrites'
					? (async () => {
							// The replica a failover promotes missed what was written after it last synced: snapshot at half-way.
							while (!snapshot) {
								if (sandbox.truth(cell.erp.sandbox).invoices.length >= half) snapshot = await dumpKeys(redis as Redis, prefix);
								else await new Promise((resolve) => setTimeout(resolve, 10));
							}
						})()
					: Promise.resolve();
			const first = await run(input, staticData);
			snapshot ??= [];
			await watcher;
			await deleteKeys(redis as Redis, prefix);
			if (harness === 'redisLostWrites') await restoreKeys(redis as Redis, snapshot);
			// The next delivery meets the ledger as Redis has it now.
			void first;
			last = await run(input, staticData);
		} else {
			last = await run(input, staticData);
			staticData = last.staticData;
		}

		// Re-runs, as a user (or the next schedule tick) sends everything again, until nothing is due: first
		// under the same faults, then once the ERP is healthy again (its structure — no duplicate rule — stays).
		// Healthy re-runs undo nothing: a second copy stays in the ERP, and a key recorded POSTED is not posted again.
		let reRuns = 0;
		for (let faulted = 0; routedOf(last).failed.length > 0 && faulted < FAULTED_RERUNS; faulted++, reRuns++) {
			last = await run(input, staticData);
			staticData = last.staticData;
		}
		sandbox.setFaults(cell.erp.sandbox, { ...cell.erp.baseline, options: { ...cell.erp.baseline.options, ...faults.options } });
		current = postWorkflow(cell, HEALTHY_NODE_OPTIONS);
		for (let healthy = 0; routedOf(last).failed.length > 0 && healthy < HEALTHY_RERUNS; healthy++, reRuns++) {
			last = await run(input, staticData);
			staticData = last.staticData;
		}
		// Late commits still on their way land before the truth is read: the truth is final.
		await simulator.idle();
		const lookup = await runWorkflow({ workflow: lookupWorkflow(cell), input, credentials, staticData });
		const judged = judge(cell, input, last, lookup, sandbox);
		return { ...judged, violations: [...judged.violations, ...harnessViolations], reRuns, detail, ms: Date.now() - started };
	} catch (error) {
		return { cell, inErp: 0, duplicates: 0, missing: 0, onFailed: 0, reRuns: 0, violations: [], error: (error as Error).stack ?? String(error), ms: Date.now() - started };
	} finally {
		if (redis) {
			await deleteKeys(redis, `chaos-${cell.id}`).catch(() => undefined);
			redis.disconnect();
		}
		await sandbox.stop();
	}
}

const delay = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms));

/**
 * How long the ERP's one Retry-After holds run A in the slow-run cell: longer than run B needs to take
 * A's keys over and settle them (look up after the settle window, absent twice, post), so that A, were
 * it not fenced, would post them again when the wait ends. Erply answers throttling with its hourly
 * quota (the run leaves those invoices by Failed as RETRY at once): nothing there holds a run.
 */
const SLOW_RUN_HOLD_SECONDS = 12;
const holdsOnRetryAfter = (cell: Cell) => cell.erp.sandbox !== 'erply';

/**
 * A run outlives its lease while a second execution starts. Run A posts everything against a slowed
 * ERP; once a third of the invoices are in the ERP, the ERP holds A with one Retry-After (issue 15: "a
 * run held by Retry-After passes 5 minutes"), A's leases run out as time passing would (the probe moves
 * leaseUntil into the past beyond the takeover margin; versions and correlation ids stay), and run B —
 * the next schedule tick, same invoices — starts while A still holds its keys. Time keeps passing for A
 * until B has taken one of its keys over. A must be fenced: an item whose key B took leaves A by Failed
 * (ownership lost), never as a second post. B, a run of every invoice, is the one judged.
 */
async function slowRun(cell: Cell, sandbox: Sandbox, probe: LeaseProbe, run: () => Promise<RunResult>): Promise<{ last: RunResult; detail: string; violations: Violation[] }> {
	const erp = cell.erp.sandbox;
	const third = Math.ceil(cell.invoices / 3);
	let aDone = false;
	const runA = run();
	void runA.then(
		() => (aDone = true),
		() => (aDone = true),
	);
	while (!aDone && sandbox.truth(erp).invoices.length < third) await delay(5);
	let held = false;
	if (holdsOnRetryAfter(cell)) {
		const faults = sandbox.faults(erp);
		const throttled = () => sandbox.requestLog(erp).filter((entry) => entry.status === 429).length;
		const before = throttled();
		// The next write decided (A's: B has not started) is throttled; the schedule counts writes from this call on.
		// It may be a request that arrived earlier and is still in the ERP's latency: count 429s, not new log entries.
		sandbox.setFaults(erp, { ...faults, retryAfterSeconds: SLOW_RUN_HOLD_SECONDS, schedule: [{ write: 1, fault: 'throttle' }] });
		while (!aDone && !held) {
			held = throttled() > before;
			if (!held) await delay(5);
		}
		sandbox.setFaults(erp, faults);
	}
	if (aDone) throw new Error(`slowRun: run A finished before ${third} invoices were in the ERP${holdsOnRetryAfter(cell) ? ' and it was throttled' : ''}; the cell tests nothing (slow the ERP down)`);
	const expired = await probe.expire();
	if (expired.size === 0) throw new Error('slowRun: run A held no PENDING record to expire; the cell tests nothing');
	const ownerOfA = [...expired.values()][0].owner;
	const runB = run();
	/** The expired keys held or settled under another correlation id now: another execution took them over. */
	const takenOver = async () => {
		const now = await probe.correlationIds([...expired.keys()]);
		return new Set([...expired].filter(([key, holder]) => now.has(key) && now.get(key) !== holder.correlationId).map(([key]) => key));
	};
	// Time keeps passing for A (whose lease is shorter than its run) until B took one of its keys over.
	while (!aDone && (await takenOver()).size === 0) {
		await delay(25);
		for (const [key, holder] of await probe.expire(ownerOfA)) if (!expired.has(key)) expired.set(key, holder);
	}
	const [a, b] = await Promise.all([runA, runB]);
	const takenKeys = await takenOver();
	const taken = takenKeys.size;
	const routedA = routedOf(a);
	const fenced = routedA.failed.filter((item) => idemOf(item).outcome === 'ownershipLost').length;
	// A key B took over is B's to settle: A, fenced, must not also report it as posted.
	const claimedByBoth = [...routedA.posted, ...routedA.existed].filter((item) => takenKeys.has(keyOf(item))).map((item) => String(item.json.invoiceNumber));
	const violations = claimedByBoth.length > 0 ? [{ invariant: 'fencing: run A reported as posted a key run B had taken over', invoices: claimedByBoth }] : [];
	if (taken === 0) throw new Error(`slowRun: run B took none of the ${expired.size} expired keys over; the cell tests nothing`);
	const how = held ? `run A held by a ${SLOW_RUN_HOLD_SECONDS} s Retry-After; ` : '';
	return { last: b, violations, detail: `slow run: ${how}${expired.size} of run A's leases expired, ${taken} taken over by run B, ${fenced} of A's items fenced (ownership lost)` };
}

/**
 * The promise, checked per invoice against the ERP's ground truth: in the ERP once; or not in it and
 * on Failed with a reason and a ledger record FAILED or UNKNOWN. Never twice, never silently missing,
 * never recorded as another invoice's record, never POSTED without an id.
 */
function judge(cell: Cell, input: IDataObject[], last: RunResult, lookup: RunResult, sandbox: Sandbox): Omit<CellResult, 'reRuns' | 'ms'> {
	const truth = sandbox.truth(cell.erp.sandbox);
	const stored = new Map<string, string[]>();
	for (const record of truth.invoices) {
		const identity = cell.erp.identity(record);
		stored.set(identity, [...(stored.get(identity) ?? []), record.id]);
	}
	const identityById = new Map(truth.invoices.map((record) => [record.id, cell.erp.identity(record)]));
	const out = routedOf(last);
	const failedReason = new Map(out.failed.map((item) => [keyOf(item), idemOf(item).error]));
	const routedDone = new Map([...out.posted, ...out.existed].map((item) => [keyOf(item), idemOf(item)]));
	const [lookedUp = []] = lookup.outputs('Lookup');
	const ledger = new Map(lookedUp.map((item) => [keyOf(item), idemOf(item)]));

	const violations = new Map<string, string[]>();
	const flag = (invariant: string, invoice: IDataObject, detail = '') =>
		violations.set(invariant, [...(violations.get(invariant) ?? []), `${String(invoice.invoiceNumber)}${detail}`]);
	let inErp = 0;
	let duplicates = 0;
	let missing = 0;
	let onFailed = 0;
	const knownIdentities = new Set(input.map((invoice) => cell.erp.invoiceIdentity(invoice)));
	for (const invoice of input) {
		const key = String(invoice.idempotencyKey);
		const copies = stored.get(cell.erp.invoiceIdentity(invoice)) ?? [];
		const record = ledger.get(key);
		if (failedReason.has(key)) onFailed++;
		if (copies.length >= 1) inErp++;
		if (copies.length > 1) {
			duplicates++;
			flag('0 duplicates: the ERP holds this invoice more than once', invoice, ` ×${copies.length}`);
		}
		if (copies.length === 0) {
			const reason = failedReason.get(key);
			const state = String(record?.state ?? 'none');
			if (typeof reason !== 'string' || reason === '' || (state !== 'FAILED' && state !== 'UNKNOWN')) {
				missing++;
				const where = routedDone.has(key) ? 'routed to Posted/Already Existed' : failedReason.has(key) ? `on Failed: "${String(reason).slice(0, 160)}"` : 'in no output';
				flag('0 silently missing: not in the ERP, yet not on Failed with a reason and a FAILED/UNKNOWN record', invoice, ` (${where}, ledger ${state})`);
			}
		}
		if (record?.state === 'POSTED' && !record.erpId) flag('never POSTED without an ERP id', invoice);
		const claimed = routedDone.get(key)?.erpId ?? (record?.state === 'POSTED' ? record.erpId : undefined);
		const claimedIdentity = claimed === undefined ? undefined : identityById.get(String(claimed));
		if (claimedIdentity !== undefined && claimedIdentity !== cell.erp.invoiceIdentity(invoice) && knownIdentities.has(claimedIdentity)) {
			flag('a found record must be this invoice: recorded with another invoice’s ERP record', invoice, ` (→ ${claimedIdentity})`);
		}
	}
	return {
		cell,
		inErp,
		duplicates,
		missing,
		onFailed,
		violations: [...violations].map(([invariant, invoices]) => ({ invariant, invoices })),
	};
}

async function dumpKeys(redis: Redis, prefix: string): Promise<Array<[string, Buffer]>> {
	const keys = await redis.keys(`${prefix}:*`);
	const dumped: Array<[string, Buffer]> = [];
	for (const key of keys) {
		const value = await redis.dumpBuffer(key);
		if (value) dumped.push([key, value]);
	}
	return dumped;
}

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
	const keys = await redis.keys(`${prefix}:*`);
	if (keys.length > 0) await redis.del(...keys);
}

async function restoreKeys(redis: Redis, dumped: Array<[string, Buffer]>): Promise<void> {
	for (const [key, value] of dumped) await redis.restore(key, 0, value, 'REPLACE');
}
