/** The bench's outputs: the printed table, bench/results/latest.json and the growth chart (SVG by hand). */
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import os from 'os';
import path from 'path';

import type { Curve, Figure } from './figures';

export const RESULTS_DIR = path.join(__dirname, 'results');

export interface Machine {
	cpus: number;
	model: string;
	memoryGb: number;
	/** 1-minute load average when the bench started and ended: other work on the machine skews timings. */
	loadAverage: { start: number; end?: number };
	platform: string;
}

export function machine(): Machine {
	const cpus = os.cpus();
	return {
		cpus: cpus.length,
		model: cpus[0]?.model ?? 'unknown',
		memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
		loadAverage: { start: Math.round(os.loadavg()[0] * 100) / 100 },
		platform: `${os.platform()} ${os.release()}`,
	};
}

export function versions(): Record<string, string> {
	const root = path.join(__dirname, '..');
	const versionOf = (packageJson: string) => {
		try {
			return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
		} catch {
			return 'not installed';
		}
	};
	return {
		node: process.version,
		'n8n-workflow': versionOf(path.join(root, 'node_modules/n8n-workflow/package.json')),
		'n8n-core': versionOf(path.join(root, 'node_modules/n8n-core/package.json')),
		package: versionOf(path.join(root, 'package.json')),
	};
}

export function printTable(figures: Figure[]): void {
	const rows = figures.map((figure) => [
		figure.section,
		figure.name,
		figure.value === null ? '—' : `${figure.value.toLocaleString('en-US')} ${figure.unit}`.trim(),
		figure.target ?? '',
		figure.target === undefined ? '' : figure.met ? 'yes' : 'NO',
		figure.note ?? '',
	]);
	const header = ['section', 'figure', 'value', 'target', 'met?', 'note'];
	const widths = header.map((title, column) => Math.min(column === 5 ? 90 : 70, Math.max(title.length, ...rows.map((row) => row[column].length))));
	const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join(' │ ');
	console.log(line(header));
	console.log(widths.map((width) => '─'.repeat(width)).join('─┼─'));
	for (const row of rows) console.log(line(row));
}

export function writeJson(result: object): string {
	mkdirSync(RESULTS_DIR, { recursive: true });
	const file = path.join(RESULTS_DIR, 'latest.json');
	writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
	return file;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd'];
const PANEL = { width: 420, height: 260, left: 60, right: 16, top: 36, bottom: 44 };

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const tickLabel = (value: number) => (value >= 1000 ? `${Math.round(value / 100) / 10}k` : String(Math.round(value * 10) / 10));

/** One panel per chart name; x on a log scale (sizes grow 10×), y linear from 0. */
function panel(title: string, curves: Curve[], offsetX: number): string {
	const points = curves.flatMap((curve) => curve.points).filter((point) => Number.isFinite(point.y) && point.x > 0);
	if (points.length === 0) return '';
	const xs = [...new Set(points.map((point) => point.x))].sort((a, b) => a - b);
	const minX = Math.log10(xs[0]);
	const maxX = Math.log10(xs[xs.length - 1]);
	const maxY = Math.max(...points.map((point) => point.y)) * 1.1 || 1;
	const plotWidth = PANEL.width - PANEL.left - PANEL.right;
	const plotHeight = PANEL.height - PANEL.top - PANEL.bottom;
	const x = (value: number) => offsetX + PANEL.left + (maxX === minX ? plotWidth / 2 : ((Math.log10(value) - minX) / (maxX - minX)) * plotWidth);
	const y = (value: number) => PANEL.top + plotHeight - (value / maxY) * plotHeight;
	const parts: string[] = [];
	parts.push(`<text x="${offsetX + PANEL.width / 2}" y="18" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`);
	parts.push(`<line x1="${offsetX + PANEL.left}" y1="${PANEL.top + plotHeight}" x2="${offsetX + PANEL.width - PANEL.right}" y2="${PANEL.top + plotHeight}" stroke="#333"/>`);
	parts.push(`<line x1="${offsetX + PANEL.left}" y1="${PANEL.top}" x2="${offsetX + PANEL.left}" y2="${PANEL.top + plotHeight}" stroke="#333"/>`);
	for (const tick of xs) {
		parts.push(`<text x="${x(tick)}" y="${PANEL.top + plotHeight + 14}" text-anchor="middle">${tickLabel(tick)}</text>`);
	}
	for (let step = 0; step <= 4; step++) {
		const value = (maxY / 4) * step;
		parts.push(`<text x="${offsetX + PANEL.left - 6}" y="${y(value) + 4}" text-anchor="end">${tickLabel(value)}</text>`);
		parts.push(`<line x1="${offsetX + PANEL.left}" y1="${y(value)}" x2="${offsetX + PANEL.width - PANEL.right}" y2="${y(value)}" stroke="#ddd"/>`);
	}
	curves.forEach((curve, index) => {
		const colour = COLOURS[index % COLOURS.length];
		const valid = curve.points.filter((point) => Number.isFinite(point.y) && point.x > 0);
		parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${valid.map((point) => `${x(point.x).toFixed(1)},${y(point.y).toFixed(1)}`).join(' ')}"/>`);
		for (const point of valid) parts.push(`<circle cx="${x(point.x).toFixed(1)}" cy="${y(point.y).toFixed(1)}" r="3" fill="${colour}"/>`);
		parts.push(`<text x="${offsetX + PANEL.left}" y="${PANEL.height - 14 + index * 12 - (curves.length - 1) * 12 + 12}" fill="${colour}">${escapeXml(`${curve.label} (${curve.unit})`)}</text>`);
	});
	return parts.join('\n');
}

export function writeChart(curves: Curve[], titles: Record<string, string>): string {
	const charts = [...new Set(curves.map((curve) => curve.chart))];
	const width = PANEL.width * Math.max(1, charts.length);
	const height = PANEL.height + 24;
	const body = charts.map((chart, index) => panel(titles[chart] ?? chart, curves.filter((curve) => curve.chart === chart), index * PANEL.width)).join('\n');
	const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">
<rect width="100%" height="100%" fill="#fff"/>
${body}
</svg>
`;
	mkdirSync(RESULTS_DIR, { recursive: true });
	const file = path.join(RESULTS_DIR, 'growth.svg');
	writeFileSync(file, svg);
	return file;
}
