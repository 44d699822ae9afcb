/**
 * `npm run demo`: the sandbox ERPs and a real n8n 2.41 (installed when missing), every seed scenario with
 * its faults on, side by side: through the seed's own template from templates/ against that ERP's own
 * simulator (e2e/demo/templates.ts), and through n8n's own dedupe (Remove Duplicates v2 + HTTP Request) on
 * the sandbox's generic REST ERP. Leaves nothing running: n8n is stopped by pid on exit, failure and Ctrl-C
 * (e2e/lib/runtime.js), the sandbox lives in this process.
 */
import { type N8nInstance, RUNTIMES, type RuntimeVersion, startN8n } from '../lib/runtime';
import { type Sandbox, type SandboxErp, startSandbox } from '../../sandbox';
import { type Delivery, type PackageRoot, countInErp, loadWorkflow, preparePackage, sandboxGenericCredential } from './harness';
import { SEED_SCENARIOS, type SeedScenario } from './scenarios';
import { SEED_TEMPLATES, type SeedTemplate, demoCopyOf, demoWebhookPath, failureReasons, inFailed, outcomeSummary, sandboxCredentialsFor } from './templates';

const VERSION = (process.env.DEMO_N8N ?? '2.41') as RuntimeVersion;
/** DEMO_SEEDS=000,003 runs only those seeds (for working on one scenario); the default is all five. */
const SEEDS = process.env.DEMO_SEEDS?.split(',').map((seed) => seed.trim());
const SCENARIOS = SEED_SCENARIOS.filter((scenario) => !SEEDS || SEEDS.includes(scenario.seed));
const N8N_FIXTURE = 'n8n-remove-duplicates' as const;
const N8N_PATH = 'demo-n8n';

interface Row {
	label: string;
	erp: string;
	sent: number;
	inErp: number;
	duplicates: number;
	missing: number;
	inFailed: number;
	seconds: number;
}

/** Invoices no sender was ever told were posted (a success answer carrying an invoice id): the review queue. */
function notConfirmed(references: string[], deliveries: Delivery[]): number {
	const confirmed = new Set<string>();
	for (const delivery of deliveries) {
		const body = delivery.body as { invoiceId?: unknown } | undefined;
		if (delivery.reference && delivery.status >= 200 && delivery.status < 300 && body?.invoiceId !== undefined) confirmed.add(delivery.reference);
	}
	return references.filter((reference) => !confirmed.has(reference)).length;
}

function printTable(scenario: SeedScenario, rows: Row[], notes: string[]): void {
	console.log(`\nSeed ${scenario.seed} — ${scenario.title}`);
	const header = ['', 'ERP', 'sent', 'in ERP', 'duplicates', 'missing', 'in Failed', 'time'];
	const lines = rows.map((row) => [row.label, row.erp, row.sent, row.inErp, row.duplicates, row.missing, row.inFailed, `${row.seconds.toFixed(1)} s`].map(String));
	const widths = header.map((cell, column) => Math.max(cell.length, ...lines.map((line) => line[column].length)));
	const format = (cells: string[]) => cells.map((cell, column) => (column < 2 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
	console.log(format(header));
	for (const line of lines) console.log(format(line));
	for (const note of notes) console.log(`  ${note}`);
}

/** What the ERP answered since `since`, by status (0: connection reset or dropped): shows the faults hit. */
function answersSince(sandbox: Sandbox, erp: SandboxErp, since: number): string {
	const histogram = new Map<string, number>();
	for (const entry of sandbox.requestLog(erp)) {
		if (entry.wallTime < since) continue;
		const answer = entry.delivery === 'normal' ? String(entry.status) : `${entry.status} ${entry.delivery}`;
		histogram.set(answer, (histogram.get(answer) ?? 0) + 1);
	}
	return [...histogram.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([answer, count]) => `${answer}×${count}`).join(', ') || 'nothing';
}

function templateFor(scenario: SeedScenario): SeedTemplate {
	const template = SEED_TEMPLATES.find((candidate) => candidate.seed === scenario.seed);
	if (!template) throw new Error(`No template for seed ${scenario.seed} in e2e/demo/templates.ts`);
	return template;
}

async function main(): Promise<void> {
	const started = Date.now();
	let sandbox: Sandbox | undefined;
	let n8n: N8nInstance | undefined;
	let packageRoot: PackageRoot | undefined;
	const log = (line: string) => console.log(`  ${line}`);
	try {
		packageRoot = await preparePackage(log);
		if (packageRoot.partial) throw new Error('The package is not fully built: the templates need all four nodes (npm run build)');
		const templates = SCENARIOS.map(templateFor);
		const erps: SandboxErp[] = ['generic', ...new Set(templates.map((template) => template.erp))];
		sandbox = await startSandbox({ erps });
		console.log(`Sandbox ERPs: ${erps.map((erp) => `${erp} ${sandbox!.urls[erp]}`).join(', ')}`);

		const credentials = [sandboxGenericCredential(sandbox.urls.generic)];
		const workflows = [loadWorkflow(N8N_FIXTURE, N8N_PATH, sandbox.urls.generic)];
		for (const template of templates) {
			const named = await sandboxCredentialsFor(template, sandbox);
			for (const credential of named) {
				if (!credentials.some((existing) => (existing as { id: string }).id === credential.id)) credentials.push(credential);
			}
			const erpCredential = named.find((credential) => credential.type === template.credentialType);
			if (!erpCredential) throw new Error(`templates/${template.file} names no ${template.credentialType} credential`);
			workflows.push(demoCopyOf(template, erpCredential.id));
			console.log(`  seed ${template.seed}: templates/${template.file} → ${template.erpLabel} (credential ${template.credentialType})`);
		}
		console.log(`  n8n's own: e2e/workflows/${N8N_FIXTURE}.workflow.json → generic REST ERP`);
		console.log(`Starting n8n ${RUNTIMES[VERSION].n8nVersion} with ${workflows.length} workflows (first run installs it: about 5 minutes)…`);
		n8n = await startN8n({
			version: VERSION,
			packageRoot: packageRoot.root,
			credentials,
			workflows,
			waitForWebhooks: [N8N_PATH, ...templates.map(demoWebhookPath)],
			log,
		});
		console.log(`n8n ${n8n.n8nVersion} is serving on ${n8n.baseUrl}`);

		for (const scenario of SCENARIOS) {
			const template = templateFor(scenario);
			const rows: Row[] = [];
			const notes: string[] = [];

			// Ours: the seed's template on its own ERP's simulator (fresh for this scenario: runs never share one).
			sandbox.setFaults(template.erp, template.faults(scenario));
			let runStarted = Date.now();
			const ours = await template.run(`${n8n.baseUrl}/webhook/${demoWebhookPath(template)}`, `demo-${scenario.seed}-ours`, scenario, sandbox);
			let seconds = (Date.now() - runStarted) / 1000;
			sandbox.setFaults(template.erp, {});
			const failed = inFailed(ours);
			rows.push({ label: `ours: ${template.file}`, erp: template.erpLabel, ...countInErp(sandbox, template.erp, ours.references), inFailed: failed, seconds });
			notes.push(`ours: ${outcomeSummary(template, ours)}; the ERP answered ${answersSince(sandbox, template.erp, runStarted)}`);
			if (failed > 0) notes.push(`ours, why in Failed: ${failureReasons(ours).join('; ')}`);

			// n8n's own: Remove Duplicates v2 + HTTP Request, the scenario's deliveries and faults on the generic ERP.
			sandbox.reset('generic');
			sandbox.setFaults('generic', scenario.faults);
			runStarted = Date.now();
			const { invoices, deliveries } = await scenario.run(`${n8n.baseUrl}/webhook/${N8N_PATH}`, `demo-${scenario.seed}-n8n`);
			seconds = (Date.now() - runStarted) / 1000;
			sandbox.setFaults('generic', {});
			const references = invoices.map((entry) => entry.reference);
			rows.push({
				label: "n8n's own: Remove Duplicates v2 + HTTP Request",
				erp: 'generic REST ERP',
				...countInErp(sandbox, 'generic', references),
				inFailed: notConfirmed(references, deliveries),
				seconds,
			});
			printTable(scenario, rows, notes);
		}
		console.log(`\nn8n ${n8n.n8nVersion}, ${new Date().toISOString().slice(0, 10)}, ${((Date.now() - started) / 1000).toFixed(0)} s in all.`);
		console.log('ours: the seed\'s template (in-memory copy: a Webhook instead of its schedule, the sample Code node reads the demo\'s invoices) on that ERP\'s simulator.');
		console.log('in Failed: invoices that never left by Posted or Already Existed (ours) / no sender was told were posted (n8n\'s own; senders retry a 5xx, bounded).');
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
