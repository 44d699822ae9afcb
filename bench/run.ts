/**
 * `npm run bench` (issue 8): every figure with its target, side by side in one run so ratios hold
 * on a noisy machine. Prints a table, writes bench/results/latest.json and growth.svg.
 * Speed targets live here, never as timed assertions in tests.
 */
import os from 'os';

import { emptyPart, type PartResult } from './figures';
import { benchLedger } from './ledger';
import { benchPosting } from './posting';
import { benchRealN8n } from './real-n8n';
import { machine, printTable, versions, writeChart, writeJson } from './report';
import { round } from './stats';

const PARTS: Array<{ name: string; run: () => Promise<PartResult> }> = [
	{ name: 'ledger', run: benchLedger },
	{ name: 'posting', run: benchPosting },
	{ name: 'real n8n', run: benchRealN8n },
];

async function main(): Promise<void> {
	const started = Date.now();
	const host = machine();
	const all = emptyPart();
	const only = process.argv.slice(2);
	for (const part of PARTS) {
		if (only.length > 0 && !only.includes(part.name)) continue;
		const partStart = Date.now();
		process.stderr.write(`bench: ${part.name}…\n`);
		try {
			const result = await part.run();
			all.figures.push(...result.figures);
			all.curves.push(...result.curves);
		} catch (error) {
			// One broken part must not hide the others' figures; it is reported as a figure of its own.
			all.figures.push({ section: part.name, name: 'part failed', value: null, unit: '', note: (error as Error).message.slice(0, 300) });
		}
		process.stderr.write(`bench: ${part.name} done in ${round((Date.now() - partStart) / 1000, 1)} s\n`);
		// Written after every part, so a run cut short still leaves what it measured.
		save(false);
	}
	const { json, chart } = save(true);
	printTable(all.figures);
	const missed = all.figures.filter((figure) => figure.target !== undefined && !figure.met);
	console.log(`\n${all.figures.filter((figure) => figure.target !== undefined).length - missed.length} targets met, ${missed.length} not met; ${round((Date.now() - started) / 1000, 1)} s`);
	console.log(`wrote ${json} and ${chart}`);

	function save(complete: boolean) {
		host.loadAverage.end = round(os.loadavg()[0], 2);
		const durationSeconds = round((Date.now() - started) / 1000, 1);
		return {
			json: writeJson({ date: new Date(started).toISOString(), complete, durationSeconds, machine: host, versions: versions(), figures: all.figures, curves: all.curves }),
			chart: writeChart(all.curves, {
				ledger: 'Ledger: reserve + commit median by records present',
				posting: 'Post node: invoices/s by input size',
				batch: 'Batch calls: invoices/s by batch size (1 = single)',
			}),
		};
	}
}

main()
	.catch((error: unknown) => {
		console.error(error);
		process.exitCode = 1;
	})
	// n8n-core leaves timers behind after a workflow run; the bench is done, so it leaves.
	.finally(() => process.exit());
