/**
 * Items 5 and 14: invoices through webhook workflows in a real n8n, our nodes against n8n's own way, the
 * same senders, the same sandbox ERP (100 ms per call, as issue 14 measured).
 *
 * 1. The static-data ledger's per-execution cost (issue 14): Webhook → Edit Fields → Idempotent Invoice
 *    Post → Respond, imported with 0 / 10,000 / 50,000 posted invoices already in its ledger (in the layout
 *    existing installations hold: the first execution loads them all into the registry), beside Webhook →
 *    Remove Duplicates v2 → HTTP Request → Respond. The ERP refuses duplicate references, so both paths make
 *    one ERP call per invoice; the Post node is also run where it looks each invoice up first (an ERP that
 *    does not refuse duplicates), which costs it a second round trip n8n's path never makes. Each figure is the median of ROUNDS rounds (the
 *    workflows take turns within a round, so machine load hits all alike) with the spread printed;
 *    static-data bytes are what n8n saved with each workflow (it rewrites them after every execution).
 * 2. The full receiver (Dedupe Check → Post → markPosted → Respond) against the same n8n path.
 *
 * Skipped with the reason when a runtime is not installed (`node e2e/install-runtimes.js`).
 * BENCH_RUNTIMES=2.41,2.8 chooses the runtimes (default both).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { countInErp, deliver, inParallel, invoice, invoiceIdsAnswered, loadWorkflow, preparePackage, sandboxGenericCredential, type Delivery, type WorkflowJson } from '../e2e/demo/harness';
import { isRuntimeInstalled, RUNTIMES, startN8n, type N8nInstance, type RuntimeVersion } from '../e2e/lib/runtime';
import { startSandbox, type Sandbox } from '../sandbox';
import { legacyLedgerStaticData, seedGenericErp } from '../test/helpers/seeded-ledger';
import { atLeast, atMost, emptyPart, type PartResult } from './figures';
import { percentile, round, timed } from './stats';

const SIZES = [0, 10_000, 50_000];
const INVOICES_PER_ROUND = 200;
const ROUNDS = 5;
const SENDERS = 10;
const WARM_UP = 20;
const ERP_LATENCY_MS = 100;
const FULL_RECEIVER_INVOICES = 500;
/** What a restart may need from static data at most (the durable window, registry.ts) plus the other fields. */
const STATIC_DATA_TARGET_BYTES = 64 * 1024;

interface Approach {
	id: string;
	label: string;
	workflow: WorkflowJson;
	records: number;
	/** Looks each new invoice up in the ERP before posting it (an ERP that does not refuse duplicates). */
	lookup: boolean;
}

interface RoundResult {
	perSecond: number;
	medianMs: number;
	p95Ms: number;
	duplicates: number;
	missing: number;
}

export async function benchRealN8n(): Promise<PartResult> {
	const part = emptyPart();
	const wanted = (process.env.BENCH_RUNTIMES ?? '2.41,2.8').split(',').map((entry) => entry.trim()) as RuntimeVersion[];
	for (const version of wanted) {
		if (!RUNTIMES[version]) continue;
		const section = `Real n8n ${RUNTIMES[version].n8nVersion}`;
		if (!isRuntimeInstalled(version)) {
			part.figures.push({ section, name: 'real n8n', value: null, unit: '', note: `skipped: the n8n ${version} runtime is not installed (node e2e/install-runtimes.js ${version})` });
			continue;
		}
		await ledgerCostInRealN8n(version, part);
	}
	return part;
}

async function ledgerCostInRealN8n(version: RuntimeVersion, part: PartResult): Promise<void> {
	const section = `Real n8n ${RUNTIMES[version].n8nVersion}: static-data ledger cost (webhook, ${INVOICES_PER_ROUND} invoices × ${ROUNDS} rounds, ${SENDERS} senders, ERP ${ERP_LATENCY_MS} ms)`;
	const log = (line: string) => process.stderr.write(`  · ${line}\n`);
	let sandbox: Sandbox | undefined;
	let n8n: N8nInstance | undefined;
	const packageRoot = await preparePackage(log);
	try {
		sandbox = await startSandbox({ erps: ['generic'], seed: 14 });
		const erpUrl = sandbox.urls.generic;
		const approaches: Approach[] = [];
		const ledgerOf = new Map<number, WorkflowJson['staticData']>();
		for (const records of SIZES) {
			if (records === 0) continue;
			const { ms, result: posted } = await timed(() => seedGenericErp(sandbox!, `bench-${version}-weeks-${records}`, records));
			log(`seeded ${records} invoices in the ERP in ${round(ms / 1000, 1)} s`);
			ledgerOf.set(records, legacyLedgerStaticData(posted));
		}
		// The ledger's cost: one ERP call per invoice, as n8n's own path makes (the ERP refuses a duplicate
		// reference, so the node sends no lookup first). Then the same node on an ERP that does not refuse
		// duplicates, where a lookup precedes each new invoice's create: one more round trip.
		for (const records of SIZES) approaches.push(ours(records, false));
		approaches.push(ours(SIZES[SIZES.length - 1], true));
		approaches.push({ id: 'n8n', label: 'n8n: Remove Duplicates v2 + HTTP Request', workflow: loadWorkflow('n8n-remove-duplicates', 'bench-n8n-own', erpUrl), records: 0, lookup: false });

		function ours(records: number, lookup: boolean): Approach {
			const id = `ours-${records}${lookup ? '-lookup' : ''}`;
			const workflow = loadWorkflow('invoice-post', `bench-${id}`, erpUrl);
			const post = workflow.nodes.find((node) => node.name === 'Idempotent Invoice Post');
			(post!.parameters.genericRestSettings as Record<string, unknown>).nativeUniqueness = !lookup;
			if (records > 0) workflow.staticData = ledgerOf.get(records);
			const label = `Post node, ${records.toLocaleString('en')} records in the ledger${lookup ? ', lookup before each create' : ''}`;
			return { id, label, workflow, records, lookup };
		}
		const receiver = loadWorkflow('dedupe-check-invoice-post', 'bench-receiver', erpUrl);
		sandbox.setFaults('generic', { latencyMs: ERP_LATENCY_MS, jitterMs: 10, options: { uniqueReference: true } });

		const paths = [...approaches.map((approach) => approach.workflow), receiver].map((workflow) => String(workflow.nodes.find((node) => node.name === 'Webhook')?.parameters.path));
		n8n = await startN8n({ version, packageRoot: packageRoot.root, credentials: [sandboxGenericCredential(erpUrl)], workflows: [...approaches.map((approach) => approach.workflow), receiver], waitForWebhooks: paths, log });

		// Warm-up: compiles, creates tables, and (for the imported ledgers) loads every record into the registry once.
		for (const approach of approaches) {
			const url = `${n8n.baseUrl}/webhook/${pathOf(approach.workflow)}`;
			await inParallel(Array.from({ length: WARM_UP }, (_, n) => invoice(`warm-${version}-${approach.id}`, n + 1)), SENDERS, (body) => deliver(url, body, { maxAttempts: 3 }));
		}
		const results = new Map<string, RoundResult[]>(approaches.map((approach) => [approach.id, []]));
		for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
			// Turns rotate, so no approach always runs first (or last) in a round.
			const order = approaches.map((_, index) => approaches[(index + roundIndex) % approaches.length]);
			for (const approach of order) {
				const result = await oneRound(n8n, sandbox, approach, `r${roundIndex}-${version}`);
				results.get(approach.id)!.push(result);
				log(`${approach.label}, round ${roundIndex + 1}: ${round(result.perSecond, 1)}/s, median ${Math.round(result.medianMs)} ms, p95 ${Math.round(result.p95Ms)} ms`);
			}
		}

		const receiverFigure = await fullReceiver(n8n, sandbox, receiver, version);

		await n8n.stop();
		const staticBytes = await staticDataBytes(n8n, approaches);

		const summary = (id: string) => {
			const rounds = results.get(id)!;
			return {
				perSecond: median(rounds.map((entry) => entry.perSecond)),
				perSecondSpread: spread(rounds.map((entry) => entry.perSecond)),
				medianMs: median(rounds.map((entry) => entry.medianMs)),
				medianSpread: spread(rounds.map((entry) => entry.medianMs)),
				p95Ms: median(rounds.map((entry) => entry.p95Ms)),
				duplicates: rounds.reduce((sum, entry) => sum + entry.duplicates, 0),
				missing: rounds.reduce((sum, entry) => sum + entry.missing, 0),
			};
		};
		// A ratio is taken within each round (the two ran back to back, under the same load) and its median kept.
		const pairedRatio = (id: string, baseId: string, value: (entry: RoundResult) => number) => {
			const base = results.get(baseId)!;
			const ratios = results.get(id)!.map((entry, index) => value(entry) / value(base[index]));
			return { median: median(ratios), note: `median of ${ratios.length} per-round ratios (min–max ${spread(ratios, 2)})` };
		};
		for (const approach of approaches) {
			const figures = summary(approach.id);
			const bytes = staticBytes.get(approach.id);
			const isOurs = approach.id !== 'n8n';
			const note = `median of ${ROUNDS} rounds (min–max ${figures.perSecondSpread}); answer median ${Math.round(figures.medianMs)} ms (min–max ${figures.medianSpread}), p95 ${Math.round(figures.p95Ms)} ms; ${figures.duplicates} duplicates, ${figures.missing} missing`;
			part.figures.push({
				section,
				name: `${approach.label}: invoices/s`,
				value: round(figures.perSecond, 1),
				unit: '/s',
				...(isOurs ? { target: '0 duplicates, 0 missing', met: figures.duplicates === 0 && figures.missing === 0 } : {}),
				note,
			});
			if (isOurs && approach.records > 0 && !approach.lookup) {
				const throughput = pairedRatio(approach.id, 'ours-0', (entry) => entry.perSecond);
				const answer = pairedRatio(approach.id, 'ours-0', (entry) => entry.medianMs);
				part.figures.push({ section, name: `${approach.label} ÷ empty ledger: invoices/s`, value: round(throughput.median, 2), unit: '×', target: '≥ 0.90×', met: atLeast(throughput.median, 0.9), note: throughput.note });
				part.figures.push({ section, name: `${approach.label} ÷ empty ledger: median answer`, value: round(answer.median, 2), unit: '×', target: '≤ 1.10×', met: atMost(answer.median, 1.1), note: answer.note });
			}
			if (isOurs) {
				const versusOwn = pairedRatio('n8n', approach.id, (entry) => entry.perSecond);
				part.figures.push({
					section,
					name: `n8n's own ÷ ${approach.label}: invoices/s`,
					value: round(versusOwn.median, 2),
					unit: '×',
					...(approach.records === 50_000 && !approach.lookup ? { target: '≤ 1.10×', met: atMost(versusOwn.median, 1.1) } : {}),
					note: `${versusOwn.note}${approach.lookup ? "; two ERP calls per new invoice (lookup, then create) where n8n's path makes one" : ''}`,
				});
				part.figures.push({
					section,
					name: `${approach.label}: static data n8n writes per execution`,
					value: bytes === undefined ? null : round(bytes / 1024, 1),
					unit: 'KB',
					target: `≤ ${STATIC_DATA_TARGET_BYTES / 1024} KB at any size`,
					met: bytes !== undefined && atMost(bytes, STATIC_DATA_TARGET_BYTES),
					note: bytes === undefined ? 'export of the workflow failed' : `${bytes.toLocaleString('en')} bytes after ${WARM_UP + ROUNDS * INVOICES_PER_ROUND} executions${approach.records > 0 ? `; imported with ${JSON.stringify(approach.workflow.staticData).length.toLocaleString('en')} bytes` : ''}`,
				});
			}
		}
		part.figures.push({ section, name: 'n8n: Remove Duplicates v2 + HTTP Request: state per execution', value: null, unit: '', note: 'kept in n8n\'s processed_data table (md5 hashes), not in static data' });
		part.figures.push(receiverFigure);
	} finally {
		await n8n?.dispose();
		await sandbox?.stop();
		packageRoot.dispose();
	}
}

function pathOf(workflow: WorkflowJson): string {
	return String(workflow.nodes.find((node) => node.name === 'Webhook')?.parameters.path);
}

async function oneRound(n8n: N8nInstance, sandbox: Sandbox, approach: Approach, roundId: string): Promise<RoundResult> {
	const url = `${n8n.baseUrl}/webhook/${pathOf(approach.workflow)}`;
	const invoices = Array.from({ length: INVOICES_PER_ROUND }, (_, n) => invoice(`bench-${approach.id}-${roundId}`, n + 1));
	const answerMs: number[] = [];
	const { ms } = await timed(() =>
		inParallel(invoices, SENDERS, async (body) => {
			const { ms: answered, result } = await timed(() => deliver(url, body, { maxAttempts: 5, retryDelayMs: 200 }));
			answerMs.push(answered);
			return result;
		}),
	);
	const sorted = [...answerMs].sort((a, b) => a - b);
	const count = countInErp(sandbox, 'generic', invoices.map((entry) => entry.reference));
	return { perSecond: INVOICES_PER_ROUND / (ms / 1000), medianMs: percentile(sorted, 50), p95Ms: percentile(sorted, 95), duplicates: count.duplicates, missing: count.missing };
}

/** The full receiver of the README's Performance table: Dedupe Check → Post → markPosted → Respond. */
async function fullReceiver(n8n: N8nInstance, sandbox: Sandbox, workflow: WorkflowJson, version: RuntimeVersion) {
	const url = `${n8n.baseUrl}/webhook/${pathOf(workflow)}`;
	const invoices = Array.from({ length: FULL_RECEIVER_INVOICES }, (_, n) => invoice(`bench-receiver-${version}`, n + 1));
	const { ms, result: deliveries } = await timed(() => inParallel(invoices, SENDERS, (body) => deliver(url, body, { maxAttempts: 5, retryDelayMs: 200 })));
	const count = countInErp(sandbox, 'generic', invoices.map((entry) => entry.reference));
	return {
		section: `Real n8n ${RUNTIMES[version].n8nVersion}: full receiver (webhook, ${FULL_RECEIVER_INVOICES} invoices, ${SENDERS} senders)`,
		name: 'Dedupe Check → Post → markPosted → Respond: invoices/s',
		value: round(FULL_RECEIVER_INVOICES / (ms / 1000), 1),
		unit: '/s',
		target: '0 duplicates, 0 missing',
		met: count.duplicates === 0 && count.missing === 0,
		note: `${count.inErp} / ${count.duplicates} / ${count.missing} (in ERP / duplicates / missing); ${confirmedCount(deliveries)} senders told an invoice id, ${invoiceIdsAnswered(deliveries).length} distinct ids`,
	};
}

/** What n8n saved as each workflow's static data (it rewrites all of it after every execution that changed it). */
async function staticDataBytes(n8n: N8nInstance, approaches: Approach[]): Promise<Map<string, number>> {
	const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-export-'));
	const sizes = new Map<string, number>();
	try {
		const exported = await n8n.runCli(['export:workflow', '--all', `--output=${path.join(folder, 'all.json')}`]);
		if (exported.code !== 0) return sizes;
		const workflows = JSON.parse(fs.readFileSync(path.join(folder, 'all.json'), 'utf8')) as Array<{ id: string; staticData?: unknown }>;
		for (const approach of approaches) {
			const saved = workflows.find((workflow) => workflow.id === approach.workflow.id);
			if (saved) sizes.set(approach.id, JSON.stringify(saved.staticData ?? {}).length);
		}
	} finally {
		fs.rmSync(folder, { recursive: true, force: true });
	}
	return sizes;
}

function median(values: number[]): number {
	return percentile([...values].sort((a, b) => a - b), 50);
}

function spread(values: number[], digits = 1): string {
	const sorted = [...values].sort((a, b) => a - b);
	return `${round(sorted[0], digits)}–${round(sorted[sorted.length - 1], digits)}`;
}

function confirmedCount(deliveries: Delivery[]): number {
	return deliveries.filter((delivery) => delivery.status >= 200 && delivery.status < 300 && (delivery.body as { invoiceId?: unknown } | undefined)?.invoiceId !== undefined).length;
}
