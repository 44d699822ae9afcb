import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { sleep } from 'n8n-workflow';

import { effectiveState, replyPending, type Ledger, type ReserveDecision } from '../../shared/ledger/ledger';
import { fingerprintOf } from '../../shared/ledger/fingerprint';
import type { LedgerRecord } from '../../shared/ledger/types';
import {
	failItemOrThrow,
	idempotencyInfo,
	newCorrelationId,
	readIdempotencyKey,
	readReference,
	withIdempotency,
} from '../../shared/items';

export const OUTPUT = { new: 0, duplicate: 1, inProgress: 2, conflict: 3 } as const;

export const description: INodeProperties[] = [
	{
		displayName: 'Fingerprint',
		name: 'fingerprint',
		type: 'string',
		default: '',
		displayOptions: { show: { operation: ['checkAndReserve', 'markPosted'] } },
		description:
			'What must not change between deliveries of the same key (an expression, e.g. the webhook body). Empty: the whole item. Same key with another fingerprint leaves by Conflict.',
	},
];

const POLL_MS = 200;

/** Reads the fingerprint parameter (empty: the item's JSON, canonicalised). */
export function readFingerprint(fns: IExecuteFunctions, item: INodeExecutionData, itemIndex: number): string {
	const value = fns.getNodeParameter('fingerprint', itemIndex, '') as unknown;
	return fingerprintOf(value === '' || value === undefined || value === null ? item.json : value);
}

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
	ledger: Ledger,
): Promise<INodeExecutionData[][]> {
	const outputs: INodeExecutionData[][] = [[], [], [], []];
	const reservedThisRun = new Map<string, ReserveDecision>();
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const item = items[itemIndex];
		let key: string | undefined;
		try {
			key = readIdempotencyKey(this, itemIndex);
			const options = this.getNodeParameter('options', itemIndex, {}) as { leaseSeconds?: number; waitForInFlightSeconds?: number };
			const request = {
				key,
				fingerprint: readFingerprint(this, item, itemIndex),
				reference: readReference(this, itemIndex, key),
				correlationId: newCorrelationId(),
				leaseMs: (options.leaseSeconds ?? 300) * 1000,
				takeOverUnknown: false,
				// Only a later node of this execution may adopt the reservation (the correlation id alone proves nothing).
				execution: executionIdOf(this),
			};
			let { decision, record } = await ledger.reserve(request);
			// Posted, but the answer a replay must return is still being written by markPosted: not an answer yet.
			if (decision === 'duplicate' && replyPending(record, ledger.now())) decision = 'inProgress';
			const waitSeconds = options.waitForInFlightSeconds ?? 0;
			// Waiting for a key this very run holds would only wait for ourselves.
			if (decision === 'inProgress' && waitSeconds > 0 && !reservedThisRun.has(key)) {
				const settled = await waitForInFlight(ledger, key, waitSeconds * 1000);
				if (settled && replyPending(settled, ledger.now())) {
					record = settled;
				} else if (!settled || settled.state === 'RETRY') {
					// The first delivery gave the key back (released, or failed with nothing committed): ours now.
					({ decision, record } = await ledger.reserve(request));
				} else {
					record = settled;
					const state = effectiveState(settled, ledger.now());
					if (state === 'POSTED' || state === 'FAILED') decision = 'duplicate';
				}
			}
			if (decision === 'new' || decision === 'retake') reservedThisRun.set(key, decision);
			const output = routeOf(decision);
			// The Post node's own answer is not the one to replay: it is not shown until markPosted replaced it.
			const shown = replyPending(record, ledger.now()) ? { ...record, response: undefined } : record;
			outputs[output].push(withIdempotency(item, itemIndex, idempotencyInfo(key, shown, outcomeOf(decision), { state: effectiveState(record, ledger.now()) })));
		} catch (error) {
			// The node is about to fail (no Continue On Fail): nothing it reserved reaches the next node.
			if (!this.continueOnFail()) await giveBack(ledger, reservedThisRun);
			// Never to New: an item whose key is unusable must not be posted. Conflict means "needs a human".
			outputs[OUTPUT.conflict].push(failItemOrThrow(this, item, itemIndex, error as Error, key));
		}
	}
	return outputs;
}

/**
 * The node failed, so none of this run's New items reached the next node: give their keys back, or
 * a corrected re-run would find them In Progress (and, once the lease ran out, UNKNOWN for good).
 */
async function giveBack(ledger: Ledger, reserved: Map<string, ReserveDecision>): Promise<void> {
	for (const [key, decision] of reserved) {
		try {
			if (decision === 'new') await ledger.release(key);
			else await ledger.markRetry(key, { nextAttemptAt: ledger.now() });
		} catch {
			// Left PENDING, the key expires into UNKNOWN: never posted twice, only delayed.
		}
	}
}

/** Polls until the key leaves PENDING or the wait ends; the record then (undefined when it is gone). */
async function waitForInFlight(ledger: Ledger, key: string, waitMs: number): Promise<LedgerRecord | undefined> {
	const deadline = ledger.now() + waitMs;
	let current = await ledger.get(key);
	while (current && (effectiveState(current, ledger.now()) === 'PENDING' || replyPending(current, ledger.now())) && ledger.now() < deadline) {
		await sleep(Math.min(POLL_MS, Math.max(1, deadline - ledger.now())));
		current = await ledger.get(key);
	}
	return current;
}

function executionIdOf(fns: IExecuteFunctions): string | undefined {
	try {
		return fns.getExecutionId() || undefined;
	} catch {
		return undefined;
	}
}

function routeOf(decision: ReserveDecision): number {
	switch (decision) {
		case 'new':
		case 'retake':
			return OUTPUT.new;
		case 'duplicate':
			return OUTPUT.duplicate;
		case 'conflict':
			return OUTPUT.conflict;
		default:
			return OUTPUT.inProgress;
	}
}

function outcomeOf(decision: ReserveDecision): string {
	return decision === 'retake' ? 'new' : decision === 'verify' ? 'inProgress' : decision;
}
