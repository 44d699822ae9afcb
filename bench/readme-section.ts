/** Prints the Performance table of CONTRIBUTING.md from bench/results/latest.json (`npm run bench:readme`). */
import { readFileSync } from 'fs';
import path from 'path';

import type { Figure } from './figures';
import { RESULTS_DIR } from './report';

const result = JSON.parse(readFileSync(path.join(RESULTS_DIR, 'latest.json'), 'utf8')) as {
	date: string;
	durationSeconds: number;
	machine: { cpus: number; model: string; memoryGb: number; loadAverage: { start: number; end?: number } };
	versions: Record<string, string>;
	figures: Figure[];
};
const { machine, versions } = result;
console.log(
	`Measured ${result.date.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpus} × ${machine.model}, ${machine.memoryGb} GB, ` +
		`load average ${machine.loadAverage.start} → ${machine.loadAverage.end ?? '?'}; Node ${versions.node}, n8n-core ${versions['n8n-core']}, n8n-workflow ${versions['n8n-workflow']}; ${result.durationSeconds} s.\n`,
);
console.log('| Section | Figure | Measured | Target | Met |');
console.log('|---|---|---|---|---|');
for (const figure of result.figures) {
	const value = figure.value === null ? '—' : `${figure.value.toLocaleString('en-US')} ${figure.unit}`.trim();
	const measured = figure.note ? `${value} (${figure.note.replace(/\|/g, '/')})` : value;
	const met = figure.target === undefined ? '' : figure.met ? 'yes' : '**no**';
	console.log(`| ${figure.section} | ${figure.name} | ${measured} | ${figure.target ?? ''} | ${met} |`);
}
