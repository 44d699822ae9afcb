/**
 * Child process (run with --expose-gc): heap growth of a static-data ledger holding N POSTED
 * records, registry and persisted form together. Prints one JSON line.
 */
import { Ledger } from '../nodes/shared/ledger/ledger';
import { ledgerTable } from '../nodes/shared/ledger/staticData/registry';
import { StaticDataLedgerStore } from '../nodes/shared/ledger/staticData/store';
import { reserveAndCommit } from './ledger-fixture';

async function main(): Promise<void> {
	const size = Number(process.argv[2] ?? 50_000);
	const collect = (globalThis as { gc?: () => void }).gc;
	if (!collect) throw new Error('run with --expose-gc');
	const staticData = {};
	const store = new StaticDataLedgerStore(ledgerTable('bench-heap', 'invoices'), staticData, 'invoices');
	const ledger = new Ledger(store);
	collect();
	const before = process.memoryUsage().heapUsed;
	for (let index = 0; index < size; index++) await reserveAndCommit(ledger, index);
	await store.flush();
	collect();
	const after = process.memoryUsage().heapUsed;
	process.stdout.write(`${JSON.stringify({ size, heapGrowthBytes: after - before, records: await store.count() })}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${String(error)}\n`);
	process.exitCode = 1;
});
