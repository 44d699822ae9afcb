import { randomUUID } from 'crypto';

import { COMPACT_LAYOUT, type CompactRecord } from './compact';

/**
 * The process-wide registry: n8n loads a package's modules once per process, so this Map is shared
 * by every execution of every workflow in the process (measured in n8n 2.8.4 and 2.41.1). It, not static
 * data, is the source of truth while the process lives; static data is its durable copy.
 */
export interface LedgerTable {
	/**
	 * Each record in its compact form only (decoded on read: half the heap, and a restart loads without
	 * building 50k objects), kept in `updatedAt` order (every write re-inserts at the end): eviction
	 * walks from the oldest. The same tuples are the persisted form's.
	 */
	records: Map<string, CompactRecord>;
	/**
	 * The persisted form, kept current on every write (O(1) each). Executions hand n8n this very
	 * object as their static data, and n8n serialises it when it saves, after the execution: so
	 * whichever execution is saved last writes every record the process holds at that moment.
	 */
	persisted: PersistedLedger;
	/** False once a record arrived out of `updatedAt` order (a merge, a caller's own timestamps): sort before walking. */
	ordered: boolean;
	newestUpdatedAt: number;
	/**
	 * Every ledger of the same workflow in this process, by ledger name (this one included). They share
	 * one static-data object that n8n writes back whole, so a write-back must carry all of them live:
	 * a copy from the execution's snapshot would erase what another execution wrote to another ledger.
	 */
	workflowLedgers: Map<string, LedgerTable>;
}

export interface PersistedLedger {
	/** The tuple layout (compact.ts): a blob of another layout is left alone, not misread. */
	v: number;
	/** The process that wrote it: loading a blob this process wrote merges nothing. */
	p: string;
	r: Record<string, CompactRecord>;
}

/** Marks the blobs this process wrote, so loading one of them again merges nothing. */
let processId = randomUUID().slice(0, 13);

export function currentProcessId(): string {
	return processId;
}

/** Workflow id → its ledgers by name. */
const workflows = new Map<string, Map<string, LedgerTable>>();

export function ledgerTable(workflowId: string, ledger: string): LedgerTable {
	let workflowLedgers = workflows.get(workflowId);
	if (!workflowLedgers) {
		workflowLedgers = new Map();
		workflows.set(workflowId, workflowLedgers);
	}
	let table = workflowLedgers.get(ledger);
	if (!table) {
		table = {
			records: new Map(),
			persisted: { v: COMPACT_LAYOUT, p: processId, r: {} },
			ordered: true,
			newestUpdatedAt: 0,
			workflowLedgers,
		};
		workflowLedgers.set(ledger, table);
	}
	return table;
}

/** What a restart of n8n does to the registry (tests only). */
export function clearRegistry(): void {
	workflows.clear();
	processId = randomUUID().slice(0, 13);
}
