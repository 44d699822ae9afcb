import { writeFileSync } from 'fs';

import { streamSeed } from '../../sandbox/core/prng';
import { closeCachedRedisClients } from '../../nodes/shared/ledger/redis/client';
import { describeWithRedisServer, startRedisServer, type RedisServer } from '../helpers/redis-server';
import { runCell, type Cell, type CellResult } from './cell';
import { CHAOS_ERPS } from './erps';
import { FAULT_PROFILES, NOT_YET_COVERED, type LedgerStoreKind, type PostingMode } from './faults';

/**
 * The chaos matrix (issue 15): every sandbox ERP × every fault × single and batch posting × static data
 * and Redis, 300 invoices a cell, re-run until nothing is due, then each invoice checked against the
 * ERP's ground truth. Seeded: a failure names its seed, and `CHAOS_SEED=<seed> npm run test:chaos`
 * replays it (CHAOS_CELL=<regex> replays only the cells that match).
 */

const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));
const INVOICES = Number(process.env.CHAOS_INVOICES ?? 300);
const PARALLEL = Math.max(1, Number(process.env.CHAOS_PARALLEL ?? 6));
/** A cell still running after this long is reported as hung (with its seed), not waited for: a hang is a finding too. */
const CELL_LIMIT_MS = Number(process.env.CHAOS_CELL_LIMIT_MS ?? 240_000);
const ONLY = process.env.CHAOS_CELL ? new RegExp(process.env.CHAOS_CELL) : undefined;
function buildCells(stores: LedgerStoreKind[]): Cell[] {
	const cells: Cell[] = [];
	for (const erp of CHAOS_ERPS) {
		for (const fault of FAULT_PROFILES) {
			for (const mode of ['single', 'batch'] as PostingMode[]) {
				if (mode === 'batch' && !erp.batch) continue;
				for (const store of stores) {
					const id = `${erp.sandbox}.${fault.name}.${mode}.${store === 'redis' ? 'redis' : 'static'}`;
					if (ONLY && !ONLY.test(id)) continue;
					cells.push({ id, erp, fault, mode, store, seed: streamSeed(SEED, id), invoices: INVOICES, notApplicable: fault.notApplicable?.(erp, mode, store) });
				}
			}
		}
	}
	return cells;
}

/** Cells that call clearRegistry() (a simulated process restart) must not share the process's registry with others. */
const restartsProcess = (cell: Cell) => cell.store === 'workflowStaticData' && (cell.fault.harness === 'crash' || cell.fault.harness === 'ledgerLoss');

async function runAll(cells: Cell[], redisPort: number | undefined): Promise<Map<string, CellResult>> {
	const results = new Map<string, CellResult>();
	const runnable = cells.filter((cell) => !cell.notApplicable);
	const parallel = runnable.filter((cell) => !restartsProcess(cell));
	const alone = runnable.filter(restartsProcess);
	let next = 0;
	const worker = async () => {
		while (next < parallel.length) {
			const cell = parallel[next++];
			results.set(cell.id, await guarded(cell, redisPort));
		}
	};
	await Promise.all(Array.from({ length: PARALLEL }, worker));
	for (const cell of alone) results.set(cell.id, await guarded(cell, redisPort));
	return results;
}

async function guarded(cell: Cell, redisPort: number | undefined): Promise<CellResult> {
	let timer: NodeJS.Timeout | undefined;
	const hung = new Promise<CellResult>((resolve) => {
		timer = setTimeout(
			() => resolve({ cell, inErp: 0, duplicates: 0, missing: 0, onFailed: 0, reRuns: 0, violations: [], error: `the cell did not finish within ${CELL_LIMIT_MS} ms (hung run?)`, ms: CELL_LIMIT_MS }),
			CELL_LIMIT_MS,
		);
	});
	const result = await Promise.race([runCell(cell, { redisPort }), hung]);
	clearTimeout(timer);
	if (process.env.CHAOS_PROGRESS) {
		const verdict = result.error ? 'ERROR' : result.violations.length > 0 ? 'FAIL' : 'ok';
		process.stderr.write(`[chaos] ${cell.id} ${verdict} in ERP ${result.inErp} dup ${result.duplicates} missing ${result.missing} failed ${result.onFailed} (${result.ms} ms)${result.detail ? `; ${result.detail}` : ''}\n`);
	}
	return result;
}

function table(cells: Cell[], results: Map<string, CellResult>): string {
	const header = ['cell (ERP.fault.mode.store)', 'invoices', 'in ERP', 'duplicates', 'missing', 'on Failed', 're-runs', 'verdict'];
	const rows = cells.map((cell) => {
		const result = results.get(cell.id);
		if (cell.notApplicable || !result) return [cell.id, '-', '-', '-', '-', '-', '-', `n/a: ${cell.notApplicable ?? 'not run'}`];
		const verdict = result.error ? 'HARNESS ERROR' : result.violations.length > 0 ? 'FAIL' : 'ok';
		return [cell.id, String(cell.invoices), String(result.inErp), String(result.duplicates), String(result.missing), String(result.onFailed), String(result.reRuns), verdict];
	});
	const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
	const line = (row: string[]) => row.map((value, column) => (column === 0 || column === row.length - 1 ? value.padEnd(widths[column]) : value.padStart(widths[column]))).join(' | ');
	const missingRows = NOT_YET_COVERED.map((entry) => `not covered: ${entry.name} — ${entry.why}`);
	const details = cells.flatMap((cell) => {
		const detail = results.get(cell.id)?.detail;
		return detail ? [`${cell.id}: ${detail}`] : [];
	});
	return [`Chaos matrix, CHAOS_SEED=${SEED}, ${INVOICES} invoices per cell`, line(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...rows.map(line), ...missingRows, ...details].join('\n');
}

function describeFailure(result: CellResult): string {
	const replay = `replay: CHAOS_SEED=${SEED} CHAOS_CELL='^${result.cell.id.replace(/\./g, '\\.')}$' npm run test:chaos`;
	if (result.error) return `${result.cell.id}: the harness failed (${replay})\n${result.error}`;
	const lines = result.violations.map((violation) => {
		const shown = violation.invoices.slice(0, 12).join(', ');
		const more = violation.invoices.length > 12 ? ` … and ${violation.invoices.length - 12} more` : '';
		return `  ${violation.invariant}: ${violation.invoices.length} invoice(s): ${shown}${more}`;
	});
	return [`${result.cell.id} (cell seed ${result.cell.seed}; ${replay})`, ...lines].join('\n');
}

/**
 * Declares the matrix for some ledger stores. One test file per store, so that jest runs them in two
 * worker processes (two cores): the cells of one file share that process, and a simulated restart
 * (clearRegistry) in the static-data file cannot touch the Redis cells.
 */
export function describeMatrix(stores: LedgerStoreKind[]): void {
	const cells = buildCells(stores);
	const define = stores.includes('redis') ? describeWithRedisServer : describe;
	define(`chaos matrix (${stores.join(', ')}): exactly once under production faults`, () => {
		let redisServer: RedisServer | undefined;
		let results = new Map<string, CellResult>();

		beforeAll(async () => {
			if (stores.includes('redis') && cells.some((cell) => !cell.notApplicable)) redisServer = await startRedisServer();
			const started = Date.now();
			results = await runAll(cells, redisServer?.port);
			const printed = `${table(cells, results)}\n(${Math.round((Date.now() - started) / 1000)} s)`;
			console.log(printed);
			if (process.env.CHAOS_TABLE_FILE) writeFileSync(`${process.env.CHAOS_TABLE_FILE}.${stores.join('-')}`, `${printed}\n`);
		});

		afterAll(async () => {
			await closeCachedRedisClients();
			await redisServer?.stop();
		});

		const runnable = cells.filter((cell) => !cell.notApplicable);
		if (runnable.length === 0) it.skip('no cell matches CHAOS_CELL', () => undefined);
		it.each(runnable.map((cell) => [cell.id, cell]))('%s: each invoice in the ERP once, or on Failed with a reason', (_id, cell) => {
			const result = results.get((cell as Cell).id);
			if (!result) throw new Error(`${(cell as Cell).id} did not run (CHAOS_SEED=${SEED})`);
			if (result.error || result.violations.length > 0) throw new Error(describeFailure(result));
		});
	});
}
