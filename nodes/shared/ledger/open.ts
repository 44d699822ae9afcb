import type { IExecuteFunctions, NodeExecutionHint } from 'n8n-workflow';

import { Ledger, type LedgerIdentity } from './ledger';
import { isQueueModeWorkerLikely } from './queueMode';
import { openRedisLedgerStore } from './redis/open';
import { StaticDataLedgerStore } from './staticData/store';
import { currentProcessId, ledgerTable } from './staticData/registry';
import type { EvictionReport, LedgerStore } from './types';

export type LedgerStoreKind = 'workflowStaticData' | 'redis';

export interface LedgerOptions {
	name: string;
	store: LedgerStoreKind;
	keyPrefix: string;
	ttlHours: number;
	maxRecords: number;
}

export interface LedgerSession {
	ledger: Ledger;
	/** Evicts by TTL and size, makes the ledger durable, and says what the user should know. */
	close(): Promise<void>;
}

export function readLedgerOptions(fns: IExecuteFunctions, itemIndex = 0): LedgerOptions {
	const options = fns.getNodeParameter('options', itemIndex, {}) as { ttlHours?: number; maxRecords?: number };
	const name = String(fns.getNodeParameter('ledger', itemIndex, 'invoices') ?? '').trim() || 'invoices';
	return {
		name,
		store: fns.getNodeParameter('ledgerStore', itemIndex, 'workflowStaticData') as LedgerStoreKind,
		keyPrefix: String(fns.getNodeParameter('keyPrefix', itemIndex, 'n8n-idempotency') ?? 'n8n-idempotency'),
		ttlHours: options.ttlHours ?? 720,
		maxRecords: options.maxRecords ?? 50000,
	};
}

export async function openLedger(fns: IExecuteFunctions, options: LedgerOptions): Promise<LedgerSession> {
	const hints: NodeExecutionHint[] = [];
	let store: LedgerStore;
	let identity: LedgerIdentity | undefined;
	if (options.store === 'redis') {
		store = await openRedisLedgerStore(fns, options);
	} else {
		const workflowId = String(fns.getWorkflow().id ?? 'unsaved');
		const staticStore = new StaticDataLedgerStore(
			ledgerTable(workflowId, options.name),
			fns.getWorkflowStaticData('global'),
			options.name,
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
	const ledger = new Ledger(store, Date.now, identity);
	return {
		ledger,
		close: async () => {
			// Housekeeping only: an unreachable store here must not fail a node whose items are already
			// routed (a failed node under "On Error: Continue" would send its input out of output 0).
			let report: EvictionReport = { evicted: 0, overBoundLive: 0 };
			try {
				report = await ledger.evict({ ttlMs: options.ttlHours * 3_600_000, maxRecords: options.maxRecords });
				await store.flush();
			} catch (error) {
				hints.push({ type: 'warning', location: 'outputPane', message: `Ledger housekeeping skipped: ${(error as Error).message}` });
			}
			if (report.overBoundLive > 0) {
				hints.push({
					type: 'warning',
					location: 'outputPane',
					message: `Ledger "${options.name}" holds ${report.overBoundLive} more records than Max Records (${options.maxRecords}), and all of them are still in flight or awaiting verification (PENDING, UNKNOWN or RETRY), so none was dropped. Resolve them (Verify By Reference, or Dedupe Check list) or raise Max Records.`,
				});
			}
			if (hints.length > 0) fns.addExecutionHints(...hints);
		},
	};
}
