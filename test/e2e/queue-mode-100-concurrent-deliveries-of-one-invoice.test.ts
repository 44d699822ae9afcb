// n8n 2.41.1 in queue mode (main + 2 workers, Postgres, Redis): one invoice delivered 100 times at once
// through Dedupe Check. With the Redis ledger the ERP holds it once and every sender gets the same id;
// with workflow static data (per worker process) the same burst is measured and printed beside it.
import { isRuntimeInstalled } from '../../e2e/lib/runtime';
import { executionsOnMain, executionsPerWorker, startQueueCluster, type QueueCluster } from '../../e2e/queue/cluster';
import { deliver, invoice, repeated } from '../../e2e/queue/senders';
import { invoiceWebhookWorkflow, ledgerRedisCredential } from '../../e2e/queue/workflows';
import { isPostgresInstalled } from '../helpers/postgres-server';
import { isRedisServerInstalled } from '../helpers/redis-server';

jest.setTimeout(15 * 60 * 1000);

const BURST = 100;
const canRun = isRuntimeInstalled('2.41') && isPostgresInstalled() && isRedisServerInstalled();
const describeQueueMode = canRun || process.env.E2E_REQUIRED === '1' ? describe : describe.skip;
if (!canRun) console.log('Skipping queue mode: needs the n8n 2.41 runtime, postgresql and redis-server');

describeQueueMode('n8n 2.41.1 queue mode, main + 2 workers: 100 concurrent deliveries of one invoice', () => {
	let cluster: QueueCluster | undefined;

	beforeAll(async () => {
		cluster = await startQueueCluster({
			workflows: ({ erpBaseUrl }) => [
				invoiceWebhookWorkflow({ path: 'invoices-redis', ledgerStore: 'redis', erpBaseUrl, keyPrefix: 'e2e-burst' }),
				invoiceWebhookWorkflow({ path: 'invoices-static', ledgerStore: 'workflowStaticData', erpBaseUrl }),
			],
			credentials: ({ ledgerRedisPort }) => [ledgerRedisCredential(ledgerRedisPort)],
			waitForWebhooks: ['invoices-redis', 'invoices-static'],
		});
	});

	afterAll(async () => {
		await cluster?.stop();
	});

	async function burst(path: string, run: string) {
		const { n8n, sandbox } = cluster!;
		const before = sandbox.truth('generic').invoices.length;
		const body = invoice(1, run);
		// One request each, no retries: what the burst itself does.
		const answers = await Promise.all(Array.from({ length: BURST }, () => deliver(`${n8n.baseUrl}/webhook/${path}`, body)));
		const created = sandbox.truth('generic').invoices.filter((stored) => stored.reference === body.externalReference);
		const ids = answers.map((answer) => answer.body?.invoiceId ?? `(${answer.status} ${answer.body?.message ?? 'no body'})`);
		return { created: created.length, total: sandbox.truth('generic').invoices.length - before, answers, ids, distinctIds: new Set(ids).size };
	}

	test('Redis ledger: exactly 1 invoice in the ERP, all 100 senders answered 200 with the same invoice id, executions spread over both workers', async () => {
		const result = await burst('invoices-redis', 'REDIS');
		const perWorker = executionsPerWorker(cluster!.n8n);
		console.log(
			`queue mode, Redis ledger: ${result.created} invoice(s) created for ${BURST} concurrent deliveries; ` +
				`distinct answers: ${JSON.stringify(repeated(result.ids))}; executions per worker ${perWorker.join(' + ')}, on main ${executionsOnMain(cluster!.n8n)}`,
		);
		expect(result.created).toBe(1);
		expect(result.answers.map((answer) => answer.status)).toEqual(Array(BURST).fill(200));
		expect(result.distinctIds).toBe(1);
		expect(result.ids[0]).toBe(cluster!.sandbox.truth('generic').invoices.find((stored) => stored.reference === invoice(1, 'REDIS').externalReference)?.id);
		// The executions really ran on the workers, on both of them, and none on the main process.
		expect(executionsOnMain(cluster!.n8n)).toBe(0);
		expect(perWorker.every((count) => count > 0)).toBe(true);
		expect(perWorker.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(BURST);
	});

	test('workflow static data in queue mode (measured, printed beside the Redis figure)', async () => {
		const redisFigure = 1;
		const result = await burst('invoices-static', 'STATIC');
		const statuses = repeated(result.answers.map((answer) => String(answer.status)));
		console.log(
			`queue mode, ${BURST} concurrent deliveries of one invoice → invoices in the ERP: redis ${redisFigure}, workflowStaticData ${result.created} ` +
				`(${result.distinctIds} distinct answers; statuses ${JSON.stringify(statuses)})`,
		);
		// What the user notices: each worker keeps its own ledger, so up to one invoice per worker gets through.
		expect(result.created).toBeGreaterThanOrEqual(1);
		expect(result.created).toBeLessThanOrEqual(2);
	});
});
