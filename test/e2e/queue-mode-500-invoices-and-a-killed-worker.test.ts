// n8n 2.41.1 in queue mode (main + 2 workers, Postgres, Redis ledger): 500 distinct invoices from 20
// senders that retry until answered, against an ERP with seeded faults, land exactly once each; then a
// worker is killed with SIGKILL mid-run and restarted, and a full re-run finds 0 duplicates, 0 missing.
import { isRuntimeInstalled } from '../../e2e/lib/runtime';
import { executionsPerWorker, startQueueCluster, type QueueCluster } from '../../e2e/queue/cluster';
import { deliver, inParallel, invoice, repeated, type Delivery } from '../../e2e/queue/senders';
import { invoiceWebhookWorkflow, ledgerRedisCredential } from '../../e2e/queue/workflows';
import { isPostgresInstalled } from '../helpers/postgres-server';
import { isRedisServerInstalled } from '../helpers/redis-server';

jest.setTimeout(20 * 60 * 1000);

const INVOICES = 500;
const SENDERS = 20;
const MAX_ATTEMPTS = 40;
const canRun = isRuntimeInstalled('2.41') && isPostgresInstalled() && isRedisServerInstalled();
const describeQueueMode = canRun || process.env.E2E_REQUIRED === '1' ? describe : describe.skip;
if (!canRun) console.log('Skipping queue mode: needs the n8n 2.41 runtime, postgresql and redis-server');

// Seeded faults: nothing committed (500, 429, dropped connection) and committed-then-reset (ambiguous).
const SEEDED_FAULTS = {
	failBeforeCommit: 0.08,
	failBeforeCommitStatus: 500 as const,
	throttle: 0.04,
	retryAfterSeconds: 1,
	dropConnection: 0.03,
	commitThenTimeout: 0.04,
	commitThenTimeoutMode: 'reset' as const,
	latencyMs: 20,
	jitterMs: 10,
};

describeQueueMode('n8n 2.41.1 queue mode, main + 2 workers, Redis ledger: 500 invoices with faults, and a worker killed mid-run', () => {
	let cluster: QueueCluster | undefined;
	const url = () => `${cluster!.n8n.baseUrl}/webhook/invoices`;

	beforeAll(async () => {
		cluster = await startQueueCluster({
			workflows: ({ erpBaseUrl }) => [
				// A short lease: a killed worker's reservations turn UNKNOWN (verify, never post blind) within half a
				// minute; long enough that a live execution on this loaded 2-core machine keeps its lease.
				invoiceWebhookWorkflow({ path: 'invoices', ledgerStore: 'redis', erpBaseUrl, keyPrefix: 'e2e-500', leaseSeconds: 30 }),
			],
			credentials: ({ ledgerRedisPort }) => [ledgerRedisCredential(ledgerRedisPort)],
			waitForWebhooks: ['invoices'],
		});
		cluster.sandbox.setFaults('generic', SEEDED_FAULTS);
	});

	afterAll(async () => {
		await cluster?.stop();
	});

	/** What the ERP holds for one run's references: duplicates and missing ones. */
	function groundTruth(run: string) {
		const truth = cluster!.sandbox.truth('generic');
		const references = Array.from({ length: INVOICES }, (_, index) => invoice(index, run).externalReference);
		const missing = references.filter((reference) => !truth.countByReference[reference]);
		const duplicated = references.filter((reference) => (truth.countByReference[reference] ?? 0) > 1);
		const idOf = new Map(truth.invoices.map((stored) => [stored.reference, stored.id]));
		return { missing, duplicated, idOf };
	}

	function summary(deliveries: Delivery[]) {
		return {
			answered200: deliveries.filter((delivery) => delivery.status === 200 && delivery.body?.invoiceId).length,
			attempts: deliveries.reduce((sum, delivery) => sum + delivery.attempts, 0),
			refusals: repeated(deliveries.flatMap((delivery) => delivery.refusals.map((refusal) => refusal.slice(0, 60)))),
		};
	}

	async function sendAll(run: string, onProgress?: (done: number) => void): Promise<Delivery[]> {
		let done = 0;
		return inParallel(Array.from({ length: INVOICES }, (_, index) => invoice(index, run)), SENDERS, async (body) => {
			const delivery = await deliver(url(), body, MAX_ATTEMPTS);
			onProgress?.(++done);
			return delivery;
		});
	}

	test('500 distinct invoices across both workers with seeded faults: each exactly once, every sender answered with its id', async () => {
		const deliveries = await sendAll('FAULTS');
		const { missing, duplicated, idOf } = groundTruth('FAULTS');
		const faultsSeen = repeated(cluster!.sandbox.requestLog('generic').map((entry) => `${entry.method} ${entry.status} ${entry.delivery}`));
		console.log(
			`queue mode, 500 invoices with faults: ${JSON.stringify(summary(deliveries))}; ERP: missing ${missing.length}, duplicated ${duplicated.length}; ` +
				`ERP answers ${JSON.stringify(faultsSeen)}; executions per worker ${executionsPerWorker(cluster!.n8n).join(' + ')}`,
		);
		expect(duplicated).toEqual([]);
		expect(missing).toEqual([]);
		expect(deliveries.every((delivery) => delivery.status === 200)).toBe(true);
		deliveries.forEach((delivery, index) => expect(delivery.body?.invoiceId).toBe(idOf.get(invoice(index, 'FAULTS').externalReference)));
		// The faults really happened (else "exactly once" proves nothing about retries).
		expect(Object.keys(faultsSeen).some((line) => line.startsWith('POST 500'))).toBe(true);
		expect(executionsPerWorker(cluster!.n8n).every((count) => count > 0)).toBe(true);
	});

	test('kill -9 one worker mid-run, restart it, re-run everything: 0 duplicates, 0 missing, same ids', async () => {
		const n8n = cluster!.n8n;
		let killed: Promise<void> | undefined;
		let ranByWorker1BeforeRestart = 0;
		const firstRun = await sendAll('CRASH', (done) => {
			if (done === 150 && !killed) {
				// A crash while ~20 deliveries are in flight on both workers.
				killed = n8n.kill9Worker(0).then(async () => {
					console.log(`worker 1 killed with SIGKILL after ${done} answered deliveries`);
					await new Promise((resolve) => setTimeout(resolve, 5000));
					ranByWorker1BeforeRestart = executionsPerWorker(n8n)[0];
					await n8n.restartWorker(0);
					console.log('worker 1 restarted');
				});
			}
		});
		await killed;
		const afterCrash = groundTruth('CRASH');
		console.log(
			`first run with a killed worker: ${JSON.stringify(summary(firstRun))}; ERP: missing ${afterCrash.missing.length}, duplicated ${afterCrash.duplicated.length}`,
		);

		const rerun = await sendAll('CRASH');
		const { missing, duplicated, idOf } = groundTruth('CRASH');
		console.log(`re-run: ${JSON.stringify(summary(rerun))}; ERP: missing ${missing.length}, duplicated ${duplicated.length}`);
		expect(duplicated).toEqual([]);
		expect(missing).toEqual([]);
		rerun.forEach((delivery, index) => {
			expect(delivery.status).toBe(200);
			expect(delivery.body?.invoiceId).toBe(idOf.get(invoice(index, 'CRASH').externalReference));
		});
		// The restarted worker (same log file) takes work again.
		expect(executionsPerWorker(n8n)[0]).toBeGreaterThan(ranByWorker1BeforeRestart);
	});
});
