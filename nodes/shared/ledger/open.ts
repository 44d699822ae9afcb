import type { IExecuteFunctions, NodeExecutionHint } from 'n8n-workflow';

import { Ledger, type LedgerIdentity } from './ledger';
import { isQueueModeWorkerLikely } from './queueMode';
import { openRedisLedgerStore } from './redis/open';
import { DEFAULT_MAX_RESPONSE_BYTES } from './storedResponse';
import { StaticDataLedgerStore } from './staticData/store';
import { currentProcessId, DEFAULT_DURABLE_WINDOW, ledgerTable } from './staticData/registry';
import type { EvictionReport, LedgerStore } from './types';

export type LedgerStoreKind = 'workflowStaticData' | 'redis';

export interface LedgerOptions {
	name: string;
	store: LedgerStoreKind;
	keyPrefix: string;
	ttlHours: number;
	maxRecords: number;
	/** Size bound in megabytes of (estimated) JSON, beside maxRecords. */
	maxMegabytes?: number;
	/** Cap of one stored response (storedResponse.ts). */
	maxResponseBytes?: number;
	/** Redis only: one ledger per name across workflows instead of one per workflow. */
	shared?: boolean;
	/** Static data only: POSTED records that survive a restart in static data itself (registry.ts). */
	restartRecords?: number;
}

export const DEFAULT_MAX_MEGABYTES = 32;

export interface LedgerSession {
	ledger: Ledger;
	/** Evicts by TTL and size, makes the ledger durable, and says what the user should know. */
	close(): Promise<void>;
}

export function readLedgerOptions(fns: IExecuteFunctions, itemIndex = 0): LedgerOptions {
	const options = fns.getNodeParameter('options', itemIndex, {}) as {
		ttlHours?: number;
		maxRecords?: number;
		maxMegabytes?: number;
		maxResponseBytes?: number;
		restartRecords?: number;
	};
	const name = String(fns.getNodeParameter('ledger', itemIndex, 'invoices') ?? '').trim() || 'invoices';
	const store = fns.getNodeParameter('ledgerStore', itemIndex, 'workflowStaticData') as LedgerStoreKind;
	return {
		name,
		store,
		keyPrefix: String(fns.getNodeParameter('keyPrefix', itemIndex, 'n8n-idempotency') ?? 'n8n-idempotency'),
		ttlHours: options.ttlHours ?? 720,
		maxRecords: options.maxRecords ?? 50000,
		maxMegabytes: options.maxMegabytes ?? DEFAULT_MAX_MEGABYTES,
		maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
		shared: store === 'redis' && fns.getNodeParameter('ledgerScope', itemIndex, 'workflow') === 'shared',
		restartRecords: options.restartRecords,
	};
}

export async function openLedger(fns: IExecuteFunctions, options: LedgerOptions): Promise<LedgerSession> {
	const hints: NodeExecutionHint[] = [];
	let store: LedgerStore;
	let clock: () => number = Date.now;
	let identity: LedgerIdentity | undefined;
	if (options.store === 'redis') {
		({ store, clock } = await openRedisLedgerStore(fns, options));
	} else {
		const workflowId = String(fns.getWorkflow().id ?? 'unsaved');
		const staticStore = new StaticDataLedgerStore(
			ledgerTable(workflowId, options.name),
			fns.getWorkflowStaticData('global'),
			options.name,
			// Only when this node says so: another node of the workflow may have set it for the ledger.
			options.restartRecords !== undefined ? { records: options.restartRecords, bytes: Math.max(DEFAULT_DURABLE_WINDOW.bytes, options.restartRecords * 256) } : undefined,
		);
		staticStore.load();
		store = staticStore;
		// Static data serves one process: a reservation made by another process id is one n8n died holding.
		const instance = currentProcessId();
		identity = { instance, isGone: (owner) => owner !== instance };
		if (isQueueModeWorkerLikely(fns)) {
			hints.push({
				type: 'warning',
				location: 'outputPane',
				message:
					'This n8n runs several processes (queue-mode workers or multi-main): the Workflow Static Data ledger is per process, so two workers can each let the same invoice through. Set Ledger Store to Redis (the Redis your queue already uses).',
			});
		}
		if (fns.getMode() === 'manual') {
			hints.push({
				type: 'warning',
				location: 'outputPane',
				message:
					'Test run: n8n does not save workflow static data for manual executions, so the ledger records of this run are kept only until n8n restarts. Activate the workflow (or use the Redis ledger store) for records that persist.',
			});
		}
	}
	const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
	const ledger = new Ledger(store, clock, identity, { maxResponseBytes });
	const maxMegabytes = options.maxMegabytes ?? DEFAULT_MAX_MEGABYTES;
	return {
		ledger,
		close: async () => {
			// Housekeeping only: an unreachable store here must not fail a node whose items are already
			// routed (a failed node under "On Error: Continue" would send its input out of output 0).
			let report: EvictionReport = { evicted: 0, overBoundLive: 0 };
			try {
				report = await ledger.evict({ ttlMs: options.ttlHours * 3_600_000, maxRecords: options.maxRecords, maxBytes: maxMegabytes * 1024 * 1024 });
				await store.flush();
			} catch (error) {
				hints.push({ type: 'warning', location: 'outputPane', message: `Ledger housekeeping skipped: ${(error as Error).message}` });
			}
			if (report.overBoundLive > 0 || (report.overBoundBytes ?? 0) > 0) {
				const over =
					report.overBoundLive > 0
						? `${report.overBoundLive} more records than Max Records (${options.maxRecords})`
						: `${Math.ceil((report.overBoundBytes ?? 0) / 1024)} KB more than Max Ledger Size (${maxMegabytes} MB)`;
				hints.push({
					type: 'warning',
					location: 'outputPane',
					message: `Ledger "${options.name}" holds ${over}, and every record left is in flight (PENDING, RETRY) or awaiting review (FAILED, UNKNOWN), which are never dropped. Review them (Dedupe Check list, Verify By Reference), then purge what is done, or raise the bound.`,
				});
			}
			if (ledger.truncatedResponses > 0) {
				hints.push({
					type: 'info',
					location: 'outputPane',
					message: `${ledger.truncatedResponses} response(s) were larger than Max Stored Response (${maxResponseBytes} bytes): the ledger keeps their first fields and names the dropped ones under "_truncated". Store a smaller response (e.g. only the ERP id and status) or raise the option.`,
				});
			}
			if (hints.length > 0) fns.addExecutionHints(...hints);
		},
	};
}
