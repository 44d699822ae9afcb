// n8n is stopped cleanly and started again. The ledger lives in the workflow's static data: a re-sent
// invoice leaves by Duplicate (answered with the stored response, nothing posted), and the ledger's
// list shows the same records as before the restart.
import { type N8nInstance, type RuntimeVersion, startN8n } from '../../e2e/lib/runtime';
import { describeOnRuntimes } from '../../e2e/demo/jest-runtimes';
import { type PackageRoot, countInErp, deliver, getJson, inParallel, invoice, loadWorkflow, oursFixture, preparePackage, sandboxGenericCredential } from '../../e2e/demo/harness';
import { type Sandbox, startSandbox } from '../../sandbox';

jest.setTimeout(10 * 60 * 1000);

const WEBHOOK = 'persist-ours';
const INVOICES = 5;

interface ListedRecord {
	idempotency: { key: string; reference: string; state: string; erpId?: string; attempts: number; firstSeenAt: unknown; response?: unknown };
}

describeOnRuntimes(['2.41'], 'the ledger after a clean restart', (version: RuntimeVersion) => {
	let sandbox: Sandbox | undefined;
	let n8n: N8nInstance | undefined;
	let packageRoot: PackageRoot | undefined;

	beforeAll(async () => {
		packageRoot = await preparePackage();
		sandbox = await startSandbox({ erps: ['generic'] });
		n8n = await startN8n({
			version,
			packageRoot: packageRoot.root,
			credentials: [sandboxGenericCredential(sandbox.urls.generic)],
			workflows: [loadWorkflow(oursFixture(), WEBHOOK, sandbox.urls.generic)],
			waitForWebhooks: [WEBHOOK, { path: `${WEBHOOK}-ledger`, method: 'GET' }],
		});
	});

	afterAll(async () => {
		await n8n?.dispose();
		await sandbox?.stop();
		packageRoot?.dispose();
	});

	async function ledgerRecords(): Promise<ListedRecord['idempotency'][]> {
		const { status, body } = await getJson(`${n8n!.baseUrl}/webhook/${WEBHOOK}-ledger`);
		expect(status).toBe(200);
		const records = (Array.isArray(body) ? body : [body]) as ListedRecord[];
		return records
			.map(({ idempotency: { key, reference, state, erpId, attempts, firstSeenAt, response } }) => ({ key, reference, state, erpId, attempts, firstSeenAt, response }))
			.sort((a, b) => a.key.localeCompare(b.key));
	}

	test('a re-sent invoice goes out by Duplicate with its stored answer, and list shows the same records', async () => {
		const invoices = Array.from({ length: INVOICES }, (_, index) => invoice(`persist-${version}`, index + 1));
		const url = `${n8n!.baseUrl}/webhook/${WEBHOOK}`;
		const firstAnswers = await inParallel(invoices, 1, (body) => deliver(url, body));
		expect(firstAnswers.map((delivery) => delivery.status)).toEqual(invoices.map(() => 200));
		const before = await ledgerRecords();
		expect(before.map((record) => [record.key, record.state])).toEqual(invoices.map((entry) => [entry.idempotencyKey, 'POSTED']));

		await n8n!.restart();
		const erpRequestsBefore = sandbox!.requestLog('generic').length;

		const resent = await deliver(url, invoices[0], { maxAttempts: 1 });
		expect(resent.status).toBe(200);
		expect(resent.body).toEqual(firstAnswers[0].body);
		// Duplicate means nothing went to the ERP: no post, not even a lookup.
		expect(sandbox!.requestLog('generic')).toHaveLength(erpRequestsBefore);
		expect(countInErp(sandbox!, 'generic', invoices.map((entry) => entry.reference))).toEqual({ sent: INVOICES, inErp: INVOICES, duplicates: 0, missing: 0 });

		const after = await ledgerRecords();
		console.log(`n8n ${n8n!.n8nVersion}: ledger before restart ${before.length} records, after ${after.length}; re-sent invoice answered ${JSON.stringify(resent.body)}`);
		expect(after).toEqual(before);
	});
});
