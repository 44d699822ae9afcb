// n8n 2.41.1 in queue mode (main + 2 workers): the ledger's Redis is stopped in the middle of 200
// deliveries. The deliveries it hits are refused with "ledger unavailable" (Dedupe Check's Conflict
// output → 503), none is posted blind; once Redis is back (same data, AOF), the senders' retries
// leave every invoice in the ERP exactly once.
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { isRuntimeInstalled } from '../../e2e/lib/runtime';
import { startQueueCluster, type QueueCluster } from '../../e2e/queue/cluster';
import { deliver, inParallel, invoice, repeated, type Delivery } from '../../e2e/queue/senders';
import { invoiceWebhookWorkflow, ledgerRedisCredential } from '../../e2e/queue/workflows';
import { isPostgresInstalled } from '../helpers/postgres-server';
import { isRedisServerInstalled, startRedisServer } from '../helpers/redis-server';

jest.setTimeout(20 * 60 * 1000);

const INVOICES = 200;
const SENDERS = 10;
const OUTAGE_MS = 8000;
const canRun = isRuntimeInstalled('2.41') && isPostgresInstalled() && isRedisServerInstalled();
const describeQueueMode = canRun || process.env.E2E_REQUIRED === '1' ? describe : describe.skip;
if (!canRun) console.log('Skipping queue mode: needs the n8n 2.41 runtime, postgresql and redis-server');

describeQueueMode('n8n 2.41.1 queue mode, main + 2 workers: the ledger Redis stops mid-run', () => {
	let cluster: QueueCluster | undefined;
	// The ledger Redis keeps an append-only file here, so the restarted server has the records again.
	const ledgerDataDir = mkdtempSync(join(tmpdir(), 'ledger-redis-aof-'));
	const persistence = ['--dir', ledgerDataDir, '--appendonly', 'yes', '--appendfsync', 'always'];
	const url = () => `${cluster!.n8n.baseUrl}/webhook/invoices`;

	beforeAll(async () => {
		cluster = await startQueueCluster({
			workflows: ({ erpBaseUrl }) => [
				invoiceWebhookWorkflow({ path: 'invoices', ledgerStore: 'redis', erpBaseUrl, keyPrefix: 'e2e-outage', leaseSeconds: 30 }),
			],
			credentials: ({ ledgerRedisPort }) => [ledgerRedisCredential(ledgerRedisPort)],
			waitForWebhooks: ['invoices'],
			ledgerRedisArgs: persistence,
		});
		cluster.sandbox.setFaults('generic', { latencyMs: 30 });
	});

	afterAll(async () => {
		await cluster?.stop();
		rmSync(ledgerDataDir, { recursive: true, force: true });
	});

	function groundTruth() {
		const truth = cluster!.sandbox.truth('generic');
		const references = Array.from({ length: INVOICES }, (_, index) => invoice(index, 'OUTAGE').externalReference);
		return {
			missing: references.filter((reference) => !truth.countByReference[reference]),
			duplicated: references.filter((reference) => (truth.countByReference[reference] ?? 0) > 1),
			idOf: new Map(truth.invoices.map((stored) => [stored.reference, stored.id])),
		};
	}

	test('deliveries during the outage are refused with "ledger unavailable"; after Redis returns, each invoice is in the ERP exactly once', async () => {
		const { n8n } = cluster!;
		let outage: Promise<void> | undefined;
		const outageWindow = { stoppedAt: 0, returnedAt: 0 };
		// First pass: one request per invoice, so each answer shows what that delivery met.
		const firstPass: Delivery[] = await inParallel(
			Array.from({ length: INVOICES }, (_, index) => invoice(index, 'OUTAGE')),
			SENDERS,
			async (body, index) => {
				if (index === 60 && !outage) {
					outage = (async () => {
						const port = cluster!.ledgerRedis.port;
						await cluster!.ledgerRedis.stop();
						outageWindow.stoppedAt = Date.now();
						await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
						outageWindow.returnedAt = Date.now();
						cluster!.ledgerRedis = await startRedisServer({ port, extraArgs: persistence });
					})();
				}
				return deliver(url(), body, 1);
			},
		);
		await outage;
		const refusedUnavailable = firstPass.filter((delivery) => delivery.status === 503 && /ledger unavailable/.test(delivery.body?.message ?? ''));
		const statuses = repeated(firstPass.map((delivery) => `${delivery.status} ${(delivery.body?.message ?? '').slice(0, 50)}`));
		const duringOutage = groundTruth();
		console.log(
			`ledger Redis stopped for ${OUTAGE_MS / 1000} s during ${INVOICES} deliveries: ${refusedUnavailable.length} refused with "ledger unavailable"; ` +
				`answers ${JSON.stringify(statuses)}; ERP after the first pass: ${INVOICES - duringOutage.missing.length} posted, ${duringOutage.duplicated.length} duplicated`,
		);
		// Redis is back: the senders retry everything (also what was answered) until answered.
		const retries = await inParallel(Array.from({ length: INVOICES }, (_, index) => invoice(index, 'OUTAGE')), SENDERS, (body) =>
			deliver(url(), body, 40, 1000),
		);
		const { missing, duplicated, idOf } = groundTruth();
		console.log(`after Redis returned: ${retries.filter((delivery) => delivery.status === 200).length} answered 200; ERP missing ${missing.length}, duplicated ${duplicated.length}`);
		// Never "assume new": once the reservations made before the stop have posted (a grace second), no
		// invoice reaches the ERP while the ledger is down.
		const postsWhileDown = cluster!.sandbox
			.requestLog('generic')
			.filter((entry) => entry.method === 'POST' && entry.wallTime > outageWindow.stoppedAt + 1000 && entry.wallTime < outageWindow.returnedAt);
		console.log(`POSTs that reached the ERP while the ledger was down (after a 1 s grace): ${postsWhileDown.length}`);
		expect(refusedUnavailable.length).toBeGreaterThan(0);
		expect(postsWhileDown).toEqual([]);
		expect(duringOutage.duplicated).toEqual([]);
		// Every answer is a clear one: a 200 with an id, or a refusal with a reason (never 200 with no id).
		for (const delivery of firstPass) {
			if (delivery.status === 200) expect(delivery.body?.invoiceId).toEqual(expect.any(String));
			else expect(delivery.body?.message).toEqual(expect.any(String));
		}

		expect(duplicated).toEqual([]);
		expect(missing).toEqual([]);
		retries.forEach((delivery, index) => expect(delivery.body?.invoiceId).toBe(idOf.get(invoice(index, 'OUTAGE').externalReference)));
		// And the first pass's 200s named the invoice the ERP really holds.
		firstPass.forEach((delivery, index) => {
			if (delivery.status === 200) expect(delivery.body?.invoiceId).toBe(idOf.get(invoice(index, 'OUTAGE').externalReference));
		});
		expect(n8n.workerPids.length).toBe(2);
	});
});
