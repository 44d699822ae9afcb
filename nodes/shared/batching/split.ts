import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

export interface KeyedInvoice {
	itemIndex: number;
	key: string;
	reference: string;
	json: IDataObject;
}

export interface Batch {
	/** Derived from the keys it holds, never from the clock: the same input gives the same ids. */
	batchId: string;
	batchIndex: number;
	invoices: KeyedInvoice[];
}

export function splitIntoBatches(invoices: KeyedInvoice[], batchSize: number): Batch[] {
	const size = Math.max(1, Math.floor(batchSize));
	const batches: Batch[] = [];
	for (let start = 0; start < invoices.length; start += size) {
		const members = invoices.slice(start, start + size);
		const digest = createHash('sha256').update(members.map((member) => member.key).join('\n')).digest('hex');
		batches.push({ batchId: `B-${digest.slice(0, 16)}`, batchIndex: batches.length, invoices: members });
	}
	return batches;
}

/** How many invoices fit in the time budget at the observed (or estimated) seconds per invoice. */
export function batchSizeForBudget(timeBudgetSeconds: number, secondsPerInvoice: number): number {
	if (!(secondsPerInvoice > 0)) return 1;
	return Math.max(1, Math.floor(timeBudgetSeconds / secondsPerInvoice));
}

/** Median of the latencies the ledger observed, in seconds (undefined when there are none). */
export function observedSecondsPerInvoice(latenciesMs: number[]): number | undefined {
	if (latenciesMs.length === 0) return undefined;
	const sorted = [...latenciesMs].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)] / 1000;
}
