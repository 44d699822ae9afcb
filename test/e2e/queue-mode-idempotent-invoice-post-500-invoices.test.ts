// n8n 2.41.1 in queue mode (main + 2 workers, Postgres, Redis ledger): 500 distinct invoices through
// Idempotent Invoice Post (generic REST ERP, seeded faults incl. commit-then-reset) from 20 senders that
// retry a 503: each invoice is in the ERP exactly once and every sender got its id.
import { isRuntimeInstalled, packageNodeTypes } from '../../e2e/lib/runtime';
import { executionsPerWorker, startQueueCluster, type QueueCluster } from '../../e2e/queue/cluster';
import { deliver, inParallel, invoice, repeated } from '../../e2e/queue/senders';
import { genericErpCredential, invoicePostWebhookWorkflow, ledgerRedisCredential, PACKAGE_PREFIX } from '../../e2e/queue/workflows';
import { isPostgresInstalled } from '../helpers/postgres-server';
import { isRedisServerInstalled } from '../helpers/redis-server';

jest.setTimeout(20 * 60 * 1000);

const INVOICES = 500;
const canRun = isRuntimeInstalled('2.41') && isPostgresInstalled() && isRedisServerInstalled();
const describeQueueMode = canRun || process.env.E2E_REQUIRED === '1' ? describe : describe.skip;

describeQueueMode('n8n 2.41.1 queue mode, main + 2 workers: 500 invoices through Idempotent Invoice Post', () => {
	let cluster: QueueCluster | undefined;

	beforeAll(async () => {
		cluster = await startQueueCluster({
			workflows: () => [invoicePostWebhookWorkflow({ path: 'post-invoices', keyPrefix: 'e2e-post' })],
			credentials: ({ ledgerRedisPort }) => [ledgerRedisCredential(ledgerRedisPort)],
			waitForWebhooks: ['post-invoices'],
			extraCredentials: ({ erpBaseUrl }) => [genericErpCredential(erpBaseUrl)],
		});
		cluster.sandbox.setFaults('generic', {
			failBeforeCommit: 0.08,
			throttle: 0.04,
			retryAfterSeconds: 1,
			dropConnection: 0.03,
			commitThenTimeout: 0.04,
			commitThenTimeoutMode: 'reset',
			latencyMs: 20,
		});
	});

	afterAll(async () => {
		await cluster?.stop();
	});

	test('each invoice exactly once in the ERP, every sender answered with its id, both workers used', async () => {
		expect(packageNodeTypes()).toContain(`${PACKAGE_PREFIX}.idempotentInvoicePost`);
		const url = `${cluster!.n8n.baseUrl}/webhook/post-invoices`;
		const deliveries = await inParallel(Array.from({ length: INVOICES }, (_, index) => invoice(index, 'POST')), 20, (body) =>
			deliver(url, body, 40),
		);
		const truth = cluster!.sandbox.truth('generic');
		const references = Array.from({ length: INVOICES }, (_, index) => invoice(index, 'POST').externalReference);
		const missing = references.filter((reference) => !truth.countByReference[reference]);
		const duplicated = references.filter((reference) => (truth.countByReference[reference] ?? 0) > 1);
		const idOf = new Map(truth.invoices.map((stored) => [stored.reference, stored.id]));
		const erpAnswers = repeated(cluster!.sandbox.requestLog('generic').map((entry) => `${entry.method} ${entry.status} ${entry.delivery}`));
		console.log(
			`queue mode, Idempotent Invoice Post, 500 invoices with faults: answered 200 ${deliveries.filter((delivery) => delivery.status === 200).length}, ` +
				`requests ${deliveries.reduce((sum, delivery) => sum + delivery.attempts, 0)}, refusals ${JSON.stringify(repeated(deliveries.flatMap((delivery) => delivery.refusals.map((refusal) => refusal.slice(0, 60)))))}; ` +
				`ERP: missing ${missing.length}, duplicated ${duplicated.length}; ERP answers ${JSON.stringify(erpAnswers)}; executions per worker ${executionsPerWorker(cluster!.n8n).join(' + ')}`,
		);
		expect(duplicated).toEqual([]);
		expect(missing).toEqual([]);
		deliveries.forEach((delivery, index) => expect(delivery.body?.invoiceId).toBe(idOf.get(references[index])));
		expect(Object.keys(erpAnswers).some((line) => line.includes('reset'))).toBe(true);
		expect(executionsPerWorker(cluster!.n8n).every((count) => count > 0)).toBe(true);
	});
});
