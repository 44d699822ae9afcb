/**
 * Item 5: 1,000 invoices through a webhook workflow in a real n8n 2.41 — our nodes (Webhook → Dedupe
 * Check → Idempotent Invoice Post → markPosted → Respond to Webhook) against n8n's own way (Webhook →
 * Remove Duplicates v2 → HTTP Request → Respond to Webhook), the same senders, the same sandbox ERP.
 * Skipped with the reason when the runtime is not installed (`node e2e/install-runtimes.js`).
 */
import { countInErp, deliver, inParallel, invoice, invoiceIdsAnswered, loadWorkflow, preparePackage, sandboxGenericCredential, type Delivery } from '../e2e/demo/harness';
import { isRuntimeInstalled, RUNTIMES, startN8n, type N8nInstance } from '../e2e/lib/runtime';
import { startSandbox, type Sandbox } from '../sandbox';
import { emptyPart, type PartResult } from './figures';
import { round, timed } from './stats';

const INVOICES = 1000;
const SENDERS = 10;
const WARM_UP = 20;
const SECTION = `Real n8n ${RUNTIMES['2.41'].n8nVersion} (webhook, ${INVOICES.toLocaleString('en')} invoices, ${SENDERS} senders)`;

const APPROACHES = [
	{ id: 'ours', label: 'our nodes', fixture: 'dedupe-check-invoice-post' as const },
	{ id: 'n8n', label: 'HTTP Request + Remove Duplicates v2', fixture: 'n8n-remove-duplicates' as const },
];

export async function benchRealN8n(): Promise<PartResult> {
	const part = emptyPart();
	if (!isRuntimeInstalled('2.41')) {
		part.figures.push({ section: SECTION, name: 'our nodes ÷ n8n’s own (wall time)', value: null, unit: '×', note: 'skipped: the n8n 2.41 runtime is not installed (node e2e/install-runtimes.js)' });
		return part;
	}
	const log = (line: string) => process.stderr.write(`  · ${line}\n`);
	let sandbox: Sandbox | undefined;
	let n8n: N8nInstance | undefined;
	const packageRoot = await preparePackage(log);
	try {
		sandbox = await startSandbox({ erps: ['generic'], seed: 5, faults: { generic: { latencyMs: 50, jitterMs: 10 } } });
		const erpUrl = sandbox.urls.generic;
		const workflows = APPROACHES.map((approach) => loadWorkflow(approach.fixture, `bench-${approach.id}`, erpUrl));
		n8n = await startN8n({ version: '2.41', packageRoot: packageRoot.root, credentials: [sandboxGenericCredential(erpUrl)], workflows, waitForWebhooks: APPROACHES.map((approach) => `bench-${approach.id}`), log });
		const walls: Record<string, number> = {};
		for (const approach of APPROACHES) {
			const url = `${n8n.baseUrl}/webhook/bench-${approach.id}`;
			// The first executions of a workflow compile and create its tables: not what is measured.
			await inParallel(Array.from({ length: WARM_UP }, (_, n) => invoice(`warm-${approach.id}`, n + 1)), SENDERS, (body) => deliver(url, body, { maxAttempts: 3 }));
			const invoices = Array.from({ length: INVOICES }, (_, n) => invoice(`bench-${approach.id}`, n + 1));
			const { ms, result: deliveries } = await timed(() => inParallel(invoices, SENDERS, (body) => deliver(url, body, { maxAttempts: 5, retryDelayMs: 200 })));
			walls[approach.id] = ms;
			const count = countInErp(sandbox, 'generic', invoices.map((entry) => entry.reference));
			const confirmed = confirmedCount(deliveries);
			log(`${approach.label}: ${round(ms / 1000, 1)} s, ${JSON.stringify(count)}, ${confirmed} answered with an invoice id`);
			part.figures.push({
				section: SECTION,
				name: `${approach.label}: invoices/s; in ERP / duplicates / missing`,
				value: round(INVOICES / (ms / 1000), 1),
				unit: '/s',
				...(approach.id === 'ours' ? { target: '0 duplicates, 0 missing', met: count.duplicates === 0 && count.missing === 0 } : {}),
				note: `${round(ms / 1000, 1)} s; ${count.inErp} / ${count.duplicates} / ${count.missing}; ${confirmed} senders told an invoice id, ${invoiceIdsAnswered(deliveries).length} distinct ids`,
			});
		}
		part.figures.push({
			section: SECTION,
			name: 'our nodes ÷ n8n’s own (wall time)',
			value: round(walls.ours / walls.n8n, 2),
			unit: '×',
			note: 'n8n itself bounds a webhook workflow at a few dozen executions/s here (24–32/s measured with n8n’s own nodes): the ratio is the cost of exactly-once',
		});
	} finally {
		await n8n?.dispose();
		await sandbox?.stop();
		packageRoot.dispose();
	}
	return part;
}

function confirmedCount(deliveries: Delivery[]): number {
	return deliveries.filter((delivery) => delivery.status >= 200 && delivery.status < 300 && (delivery.body as { invoiceId?: unknown } | undefined)?.invoiceId !== undefined).length;
}
