/**
 * `npm run demo`: the sandbox ERPs and a real n8n 2.41 (installed when missing), every seed scenario with
 * its faults on, through our nodes and through n8n's own dedupe, side by side. Leaves nothing running:
 * n8n is stopped by pid on exit, failure and Ctrl-C (e2e/lib/runtime.js), the sandbox lives in this process.
 */
import { type N8nInstance, RUNTIMES, type RuntimeVersion, startN8n } from '../lib/runtime';
import { type Sandbox, startSandbox } from '../../sandbox';
import { type Delivery, type PackageRoot, countInErp, loadWorkflow, oursFixture, preparePackage, sandboxGenericCredential } from './harness';
import { SEED_SCENARIOS, type SeedScenario } from './scenarios';

const VERSION = (process.env.DEMO_N8N ?? '2.41') as RuntimeVersion;

const approaches = () =>
	[
		{ id: 'ours', label: 'Idempotent Invoice nodes', fixture: oursFixture() },
		{ id: 'n8n', label: "n8n's own: Remove Duplicates v2", fixture: 'n8n-remove-duplicates' as const },
	] as const;

interface Row {
	label: string;
	sent: number;
	inErp: number;
	duplicates: number;
	missing: number;
	inFailed: number;
	seconds: number;
}

// One workflow per approach serves every scenario (each run's keys are its own): two imports, not ten.
const webhookPath = (approach: string) => `demo-${approach}`;

/** Invoices no sender was ever told were posted (a success answer carrying an invoice id): the review queue. */
function notConfirmed(references: string[], deliveries: Delivery[]): number {
	const confirmed = new Set<string>();
	for (const delivery of deliveries) {
		const body = delivery.body as { invoiceId?: unknown } | undefined;
		if (delivery.reference && delivery.status >= 200 && delivery.status < 300 && body?.invoiceId !== undefined) confirmed.add(delivery.reference);
	}
	return references.filter((reference) => !confirmed.has(reference)).length;
}

function printTable(scenario: SeedScenario, rows: Row[], standIn: boolean): void {
	const erpNote = standIn ? `${scenario.erp}'s fault pattern on the sandbox's generic REST ERP` : scenario.erp;
	console.log(`\nSeed ${scenario.seed} — ${scenario.title}  (${erpNote})`);
	const header = ['', 'sent', 'in ERP', 'duplicates', 'missing', 'in Failed', 'time'];
	const lines = rows.map((row) => [row.label, row.sent, row.inErp, row.duplicates, row.missing, row.inFailed, `${row.seconds.toFixed(1)} s`].map(String));
	const widths = header.map((cell, column) => Math.max(cell.length, ...lines.map((line) => line[column].length)));
	const format = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
	console.log(format(header));
	for (const line of lines) console.log(format(line));
}

async function main(): Promise<void> {
	const started = Date.now();
	let sandbox: Sandbox | undefined;
	let n8n: N8nInstance | undefined;
	let packageRoot: PackageRoot | undefined;
	const log = (line: string) => console.log(`  ${line}`);
	try {
		packageRoot = await preparePackage(log);
		const APPROACHES = approaches();
		sandbox = await startSandbox({ erps: ['generic'] });
		console.log(`Sandbox ERP on ${sandbox.urls.generic}`);
		if (packageRoot.partial) console.log('  (some nodes are not built yet: n8n loads the ones that are)');
		console.log(`  our receiver workflow: e2e/workflows/${APPROACHES[0].fixture}.workflow.json`);
		const erpUrl = sandbox.urls.generic;
		const workflows = APPROACHES.map((approach) => loadWorkflow(approach.fixture, webhookPath(approach.id), erpUrl));
		console.log(`Starting n8n ${RUNTIMES[VERSION].n8nVersion} with ${workflows.length} workflows (first run installs it: about 5 minutes)…`);
		n8n = await startN8n({
			version: VERSION,
			packageRoot: packageRoot.root,
			credentials: [sandboxGenericCredential(erpUrl)],
			workflows,
			waitForWebhooks: workflows.map((workflow) => workflow.nodes.find((node) => node.type === 'n8n-nodes-base.webhook')!.parameters.path as string),
			log,
		});
		console.log(`n8n ${n8n.n8nVersion} is serving on ${n8n.baseUrl}`);

		for (const scenario of SEED_SCENARIOS) {
			const rows: Row[] = [];
			for (const approach of APPROACHES) {
				sandbox.reset('generic');
				sandbox.setFaults('generic', scenario.faults);
				const runStarted = Date.now();
				const { invoices, deliveries } = await scenario.run(`${n8n.baseUrl}/webhook/${webhookPath(approach.id)}`, `demo-${scenario.seed}-${approach.id}`);
				const seconds = (Date.now() - runStarted) / 1000;
				const references = invoices.map((entry) => entry.reference);
				const count = countInErp(sandbox, 'generic', references);
				rows.push({ label: approach.label, ...count, inFailed: notConfirmed(references, deliveries), seconds });
			}
			sandbox.setFaults('generic', {});
			printTable(scenario, rows, true);
		}
		console.log(`\nn8n ${n8n.n8nVersion}, ${new Date().toISOString().slice(0, 10)}, ${((Date.now() - started) / 1000).toFixed(0)} s in all.`);
		console.log('in Failed: invoices no sender was told were posted. Every sender retries a 5xx like a webhook robot, bounded.');
	} finally {
		await n8n?.dispose();
		await sandbox?.stop();
		packageRoot?.dispose();
	}
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(`Demo failed: ${error instanceof Error ? error.message : String(error)}`);
		process.exit(1);
	},
);
