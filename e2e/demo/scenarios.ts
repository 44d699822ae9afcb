/**
 * The five seed scenarios as deliveries a sender makes and faults the ERP has on. Each runs twice: through
 * our nodes (the seed's template, e2e/demo/templates.ts) and through n8n's own approach (HTTP Request +
 * Remove Duplicates v2, on the sandbox's generic REST ERP).
 */
import type { FaultConfig } from '../../sandbox';
import { type Delivery, type DeliveredInvoice, deliver, inParallel, invoice } from './harness';

export interface SeedScenario {
	seed: string;
	title: string;
	/** The ERP the seed is about (the sandbox stands in with the generic ERP while the Post node is unbuilt). */
	erp: string;
	faults: FaultConfig;
	/**
	 * Sends the scenario's deliveries to `url`; returns every invoice sent and the last answer per delivery.
	 * `shape` turns an invoice into the body a receiver expects (e.g. the Mendix template's transactionId);
	 * `headers` go with every delivery (e.g. the header the receiver's Header Auth credential expects).
	 */
	run(
		url: string,
		runId: string,
		shape?: (invoice: DeliveredInvoice) => object,
		headers?: Record<string, string>,
	): Promise<{ invoices: DeliveredInvoice[]; deliveries: Delivery[] }>;
}

const range = (count: number) => Array.from({ length: count }, (_, index) => index + 1);
/** What a batch job or robot does: no retry of its own unless the scenario says so. */
const once = { maxAttempts: 1 };
/** What a webhook sender does: retries a 5xx or no answer, bounded. */
const robot = { maxAttempts: 20, retryDelayMs: 300 };
const same = (invoice: DeliveredInvoice): object => invoice;

export const SEED_SCENARIOS: SeedScenario[] = [
	{
		seed: '000',
		title: 'Infor AR batch of 50: 500 at invoice 37, the whole batch retried',
		erp: 'inforIcs',
		faults: { latencyMs: 30, schedule: [{ write: 37, fault: 'failBeforeCommit' }] },
		async run(url, runId, shape = same, headers = {}) {
			const invoices = range(50).map((n) => invoice(runId, n));
			const deliveries: Delivery[] = [];
			// The batch stops at its first failure; then the job re-sends the whole batch, as the seed did.
			for (const body of invoices) {
				const delivery = await deliver(url, shape(body), { ...once, headers });
				deliveries.push(delivery);
				if (delivery.status < 200 || delivery.status >= 300) break;
			}
			for (const body of invoices) deliveries.push(await deliver(url, shape(body), { ...once, headers }));
			return { invoices, deliveries };
		},
	},
	{
		seed: '001',
		title: 'Dataverse batch of 50 carrying 3 duplicates',
		erp: 'dynamics365',
		faults: { latencyMs: 30 },
		async run(url, runId, shape = same, headers = {}) {
			const invoices = range(50).map((n) => invoice(runId, n));
			const batch = [...invoices.slice(0, 20), invoices[3], ...invoices.slice(20, 40), invoices[11], ...invoices.slice(40), invoices[27]];
			const deliveries = await inParallel(batch, 4, (body) => deliver(url, shape(body), { ...robot, headers }));
			return { invoices, deliveries };
		},
	},
	{
		seed: '002',
		title: 'Mendix callbacks: an RPA robot delivers each of 20 invoices 5 times at once',
		erp: 'mendix',
		faults: { latencyMs: 150 },
		async run(url, runId, shape = same, headers = {}) {
			const invoices = range(20).map((n) => invoice(runId, n));
			const deliveries = await inParallel(
				invoices.flatMap((body) => range(5).map(() => body)),
				25,
				(body) => deliver(url, shape(body), { ...robot, headers }),
			);
			return { invoices, deliveries };
		},
	},
	{
		seed: '003',
		title: 'FreeAgent: 30 concurrent posts, 1 in 5 answers lost after the commit (reset)',
		erp: 'freeAgent',
		faults: { latencyMs: 50, commitThenTimeout: 0.2, commitThenTimeoutMode: 'reset' },
		async run(url, runId, shape = same, headers = {}) {
			const invoices = range(30).map((n) => invoice(runId, n));
			const deliveries = await inParallel(invoices, 10, (body) => deliver(url, shape(body), { ...robot, headers }));
			return { invoices, deliveries };
		},
	},
	{
		seed: '004',
		title: 'Erply: each of 20 invoices sent twice at the same moment',
		erp: 'erply',
		faults: { latencyMs: 100 },
		async run(url, runId, shape = same, headers = {}) {
			const invoices = range(20).map((n) => invoice(runId, n));
			const deliveries = await inParallel(
				invoices.flatMap((body) => [body, body]),
				10,
				(body) => deliver(url, shape(body), { ...robot, headers }),
			);
			return { invoices, deliveries };
		},
	},
];
