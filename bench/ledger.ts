/**
 * Item 1: what the ledger costs as it grows — static-data store and Redis store, reserve + commit
 * latency at 1k…100k records present, persisted bytes, serialise/load and heap at 50k.
 */
import { execFileSync } from 'child_process';
import { once } from 'events';
import path from 'path';

import { Ledger } from '../nodes/shared/ledger/ledger';
import { createRedisClient, RedisLedgerStore } from '../nodes/shared/ledger/redis';
import { COMPACT_LAYOUT } from '../nodes/shared/ledger/staticData/compact';
import { clearRegistry, DEFAULT_DURABLE_WINDOW, ledgerTable } from '../nodes/shared/ledger/staticData/registry';
import { persistedKeys, STATIC_DATA_ROOT, StaticDataLedgerStore } from '../nodes/shared/ledger/staticData/store';
import { isRedisServerInstalled, startRedisServer } from '../test/helpers/redis-server';
import { atLeast, atMost, emptyPart, type PartResult } from './figures';
import { reserveAndCommit } from './ledger-fixture';
import { pool, round, summarise, timed } from './stats';

export const LEDGER_SIZES = [1_000, 10_000, 50_000, 100_000];
const SAMPLES_PER_SIZE = 3_000;
const REDIS_SAMPLES_PER_SIZE = 1_000;
const REDIS_CONCURRENCY = 32;
const REDIS_THROUGHPUT_OPS = 5_000;
const SERIALISE_SIZE = 50_000;
const FLAT_TOLERANCE = 2;

/** Grows one ledger through the sizes, measuring fresh reserve + commit at each; keys never repeat. */
async function latencyBySize(
	ledger: Ledger,
	samples: number,
	afterFill?: (size: number) => Promise<void>,
	fillConcurrency = 1,
): Promise<Array<{ size: number; median: number; p99: number }>> {
	const rows: Array<{ size: number; median: number; p99: number }> = [];
	let filled = 0;
	let nextKey = 0;
	for (const size of LEDGER_SIZES) {
		const missing = size - filled;
		const firstKey = nextKey;
		await pool(missing, fillConcurrency, async (offset) => await reserveAndCommit(ledger, firstKey + offset));
		nextKey += missing;
		filled = size;
		await afterFill?.(size);
		const micros: number[] = [];
		for (let sample = 0; sample < samples; sample++) {
			const key = nextKey++;
			const start = process.hrtime.bigint();
			await reserveAndCommit(ledger, key);
			micros.push(Number(process.hrtime.bigint() - start) / 1000);
		}
		filled += samples;
		rows.push({ size, ...summarise(micros) });
	}
	return rows;
}

async function staticDataStore(part: PartResult): Promise<void> {
	clearRegistry();
	const staticData: Record<string, unknown> = {};
	const store = new StaticDataLedgerStore(ledgerTable('bench', 'invoices'), staticData as never, 'invoices');
	const ledger = new Ledger(store);
	let serialised = { json: '', ms: NaN, records: 0 };
	let legacyJson = '';
	// What n8n writes back after every execution that changed the ledger, at each size.
	const savedBytes: Array<{ size: number; bytes: number }> = [];
	const rows = await latencyBySize(ledger, SAMPLES_PER_SIZE, async (size) => {
		await store.flush();
		savedBytes.push({ size, bytes: JSON.stringify(staticData).length });
		if (size !== SERIALISE_SIZE) return;
		const runs = [];
		for (let run = 0; run < 5; run++) runs.push((await timed(() => JSON.stringify(staticData))).ms);
		serialised = { json: JSON.stringify(staticData), ms: summarise(runs).median, records: persistedKeys(staticData as never, 'invoices').length };
		// The same ledger as an earlier version saved it: every record, keys as they are.
		legacyJson = JSON.stringify({ [STATIC_DATA_ROOT]: { invoices: { v: COMPACT_LAYOUT, p: 'earlier', r: Object.fromEntries(ledgerTable('bench', 'invoices').records) } } });
	});

	for (const row of rows) {
		part.figures.push({
			section: 'Ledger (static data)',
			name: `reserve + commit median @ ${row.size / 1000}k`,
			value: round(row.median, 1),
			unit: 'µs',
			target: '≤ 20 µs',
			met: atMost(row.median, 20),
		});
		part.figures.push({ section: 'Ledger (static data)', name: `reserve + commit p99 @ ${row.size / 1000}k`, value: round(row.p99, 1), unit: 'µs' });
	}
	const growth = rows[rows.length - 1].median / rows[0].median;
	part.figures.push({
		section: 'Ledger (static data)',
		name: 'median 100k ÷ median 1k (flat = no O(n) per op)',
		value: round(growth, 2),
		unit: '×',
		target: `≤ ${FLAT_TOLERANCE}×`,
		met: atMost(growth, FLAT_TOLERANCE),
	});
	part.curves.push({ chart: 'ledger', label: 'static data: reserve + commit median', unit: 'µs', points: rows.map((row) => ({ x: row.size, y: row.median })) });

	const smallest = savedBytes[0].bytes;
	const largest = savedBytes[savedBytes.length - 1].bytes;
	part.figures.push({
		section: 'Ledger (static data)',
		name: `static data n8n writes per execution @ ${savedBytes.map((entry) => `${entry.size / 1000}k`).join(' / ')}`,
		value: round(largest / 1024, 1),
		unit: 'KB',
		target: `flat: ≤ ${round(DEFAULT_DURABLE_WINDOW.bytes / 1024, 0)} KB at any size`,
		met: savedBytes.every((entry) => entry.bytes <= DEFAULT_DURABLE_WINDOW.bytes + 1024),
		note: `${savedBytes.map((entry) => `${round(entry.bytes / 1024, 1)} KB`).join(' / ')} (the newest ${DEFAULT_DURABLE_WINDOW.records.toLocaleString('en')} POSTED + every live and review record; was ~190 B × every record); 1k → 100k ${round(largest / smallest, 2)}×`,
	});
	const bytesPerRecord = serialised.json.length / serialised.records;
	part.figures.push({
		section: 'Ledger (static data)',
		name: `persisted bytes per POSTED record @ ${SERIALISE_SIZE / 1000}k`,
		value: round(bytesPerRecord, 0),
		unit: 'B',
		target: '≤ 200 B',
		met: atMost(bytesPerRecord, 200),
	});
	part.figures.push({
		section: 'Ledger (static data)',
		name: `serialise (JSON.stringify) @ ${SERIALISE_SIZE / 1000}k`,
		value: round(serialised.ms, 2),
		unit: 'ms',
		target: '≤ 100 ms',
		met: atMost(serialised.ms, 100),
	});

	// A restart: the registry is gone, n8n hands the execution its static data parsed from the database.
	const restart = loadTimes(serialised.json);
	part.figures.push({
		section: 'Ledger (static data)',
		name: `restart: load (JSON.parse + merge into registry) @ ${SERIALISE_SIZE / 1000}k`,
		value: round(restart.loadMs, 2),
		unit: 'ms',
		target: '≤ 100 ms',
		met: atMost(restart.loadMs, 100) && restart.merged === serialised.records,
		note: restart.merged === serialised.records ? `${serialised.records} records in static data; JSON.parse ${round(restart.parseMs, 2)} ms (n8n's, reading the workflow row), merge ${round(restart.loadMs - restart.parseMs, 2)} ms` : `merged ${restart.merged} of ${serialised.records} records`,
	});

	// Once per workflow on upgrade: a ledger saved whole by an earlier version is read whole, then saved bounded.
	const upgrade = loadTimes(legacyJson);
	part.figures.push({
		section: 'Ledger (static data)',
		name: `upgrade: first load of a ${SERIALISE_SIZE / 1000}k ledger saved whole by an earlier version`,
		value: round(upgrade.loadMs, 1),
		unit: 'ms',
		note: `once per workflow; ${round(legacyJson.length / 1024 / 1024, 1)} MB, JSON.parse ${round(upgrade.parseMs, 1)} ms; merged ${upgrade.merged}`,
	});
	clearRegistry();

	const heap = heapGrowthAt(SERIALISE_SIZE);
	part.figures.push({
		section: 'Ledger (static data)',
		name: `heap growth @ ${SERIALISE_SIZE / 1000}k`,
		value: heap === undefined ? null : round(heap / 1024 / 1024, 1),
		unit: 'MB',
		target: '≤ 60 MB',
		met: heap !== undefined && atMost(heap / 1024 / 1024, 60),
		note: heap === undefined ? 'child process with --expose-gc failed' : undefined,
	});
}

/** Median over 5 restarts of parse + merge of `json` as static data. */
function loadTimes(json: string): { loadMs: number; parseMs: number; merged: number } {
	const loads: number[] = [];
	const parses: number[] = [];
	let merged = 0;
	for (let run = 0; run < 5; run++) {
		clearRegistry();
		const parseStart = process.hrtime.bigint();
		const parsed = JSON.parse(json) as Record<string, unknown>;
		const parseEnd = process.hrtime.bigint();
		merged = new StaticDataLedgerStore(ledgerTable('bench', 'invoices'), parsed as never, 'invoices').load().merged;
		const mergeEnd = process.hrtime.bigint();
		parses.push(Number(parseEnd - parseStart) / 1e6);
		loads.push(Number(mergeEnd - parseStart) / 1e6);
	}
	return { loadMs: summarise(loads).median, parseMs: summarise(parses).median, merged };
}

/** In a child process with --expose-gc, so the bench's own garbage does not count. */
function heapGrowthAt(size: number): number | undefined {
	try {
		const output = execFileSync(
			process.execPath,
			['--expose-gc', '-r', 'ts-node/register/transpile-only', path.join(__dirname, 'ledger-heap.ts'), String(size)],
			{ cwd: path.join(__dirname, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
		);
		return (JSON.parse(output.trim().split('\n').pop() ?? '{}') as { heapGrowthBytes?: number }).heapGrowthBytes;
	} catch {
		return undefined;
	}
}

async function redisStore(part: PartResult): Promise<void> {
	const section = 'Ledger (Redis)';
	if (!isRedisServerInstalled()) {
		part.figures.push({ section, name: 'Redis store', value: null, unit: '', note: 'skipped: redis-server is not installed (apt-get install -y redis-server)' });
		return;
	}
	const server = await startRedisServer();
	const client = createRedisClient({ host: '127.0.0.1', port: server.port });
	try {
		// The client fails fast instead of queueing: wait until it is connected.
		if (client.status !== 'ready') await once(client, 'ready');
		const ledger = new Ledger(new RedisLedgerStore({ client, keyPrefix: 'bench', scope: 'wf-bench', ledger: 'invoices' }));
		const throughputBySize: Array<{ size: number; perSecond: number }> = [];
		let throughputKey = 10_000_000;
		const rows = await latencyBySize(
			ledger,
			REDIS_SAMPLES_PER_SIZE,
			async (size) => {
				const first = throughputKey;
				const { ms } = await timed(() => pool(REDIS_THROUGHPUT_OPS, REDIS_CONCURRENCY, async (offset) => await reserveAndCommit(ledger, first + offset)));
				throughputKey += REDIS_THROUGHPUT_OPS;
				throughputBySize.push({ size, perSecond: REDIS_THROUGHPUT_OPS / (ms / 1000) });
			},
			REDIS_CONCURRENCY,
		);
		for (const row of rows) {
			part.figures.push({
				section,
				name: `reserve + commit median / p99 @ ${row.size / 1000}k (1 in flight)`,
				value: round(row.median, 0),
				unit: 'µs',
				note: `p99 ${round(row.p99, 0)} µs (loopback round trips: insert, get, replace)`,
			});
		}
		for (const row of throughputBySize) {
			part.figures.push({
				section,
				name: `reserve + commit per second @ ${row.size / 1000}k (${REDIS_CONCURRENCY} in flight)`,
				value: round(row.perSecond, 0),
				unit: '/s',
				target: '≥ 5,000/s',
				met: atLeast(row.perSecond, 5000),
			});
		}
		part.curves.push({ chart: 'ledger', label: 'Redis: reserve + commit median', unit: 'µs', points: rows.map((row) => ({ x: row.size, y: row.median })) });
		const memory = String(await client.info('memory'));
		const usedBytes = Number(/used_memory:(\d+)/.exec(memory)?.[1] ?? NaN);
		const records = Number(await ledger.store.count());
		part.figures.push({ section, name: `Redis memory per record @ ${round(records / 1000, 0)}k`, value: round(usedBytes / records, 0), unit: 'B', note: 'used_memory ÷ records (hash + state index)' });
	} finally {
		client.disconnect();
		await server.stop();
	}
}

export async function benchLedger(): Promise<PartResult> {
	const part = emptyPart();
	await staticDataStore(part);
	await redisStore(part);
	return part;
}
