// A sender delivers the same invoice 100 times at once (a robot's callback retries, a webhook replayed by a
// queue). Through Dedupe Check the ERP holds it once and every delivery is told the same invoice id.
// n8n's own Remove Duplicates v2 and a hand-written static-data map are measured in the same run.
import { type N8nInstance, type RuntimeVersion, startN8n } from '../../e2e/lib/runtime';
import { describeOnRuntimes } from '../../e2e/demo/jest-runtimes';
import {
	type Delivery,
	countInErp,
	deliver,
	invoice,
	invoiceIdsAnswered,
	loadWorkflow,
	type PackageRoot,
	oursFixture,
	preparePackage,
	sandboxGenericCredential,
	statusHistogram,
} from '../../e2e/demo/harness';
import { type Sandbox, startSandbox } from '../../sandbox';

jest.setTimeout(15 * 60 * 1000);

const DELIVERIES = 100;

describeOnRuntimes(['2.41', '2.8'], '100 concurrent deliveries of one invoice', (version: RuntimeVersion) => {
	let sandbox: Sandbox | undefined;
	let n8n: N8nInstance | undefined;
	let packageRoot: PackageRoot | undefined;

	beforeAll(async () => {
		packageRoot = await preparePackage();
		// A non-idempotent ERP that takes 100 ms per call: the window in which deliveries race.
		sandbox = await startSandbox({ erps: ['generic'], faults: { generic: { latencyMs: 100 } } });
		const erpUrl = sandbox.urls.generic;
		n8n = await startN8n({
			version,
			packageRoot: packageRoot.root,
			credentials: [sandboxGenericCredential(sandbox.urls.generic)],
			workflows: [
				loadWorkflow(oursFixture(), 'concurrent-ours', erpUrl),
				loadWorkflow('n8n-remove-duplicates', 'concurrent-remove-duplicates', erpUrl),
				loadWorkflow('n8n-static-data-code', 'concurrent-static-data', erpUrl),
			],
			waitForWebhooks: ['concurrent-ours', 'concurrent-remove-duplicates', 'concurrent-static-data'],
		});
	});

	afterAll(async () => {
		await n8n?.dispose();
		await sandbox?.stop();
		packageRoot?.dispose();
	});

	async function burst(webhookPath: string, runId: string): Promise<{ deliveries: Delivery[]; reference: string }> {
		const body = invoice(runId, 1);
		const url = `${n8n!.baseUrl}/webhook/${webhookPath}`;
		const deliveries = await Promise.all(Array.from({ length: DELIVERIES }, () => deliver(url, body)));
		return { deliveries, reference: body.reference };
	}

	function report(label: string, deliveries: Delivery[], reference: string) {
		const count = countInErp(sandbox!, 'generic', [reference]);
		const ids = invoiceIdsAnswered(deliveries);
		console.log(
			`n8n ${n8n!.n8nVersion}, ${DELIVERIES} concurrent deliveries, ${label}: ${count.inErp} invoice(s) in the ERP, ` +
				`answers ${JSON.stringify(statusHistogram(deliveries))}, ${ids.length} distinct invoice id(s) told to senders`,
		);
		return { count, ids };
	}

	test('Dedupe Check: exactly one invoice in the ERP, every delivery answered 2xx with the same invoice id', async () => {
		const { deliveries, reference } = await burst('concurrent-ours', `ours-${version}`);
		const { count, ids } = report('Dedupe Check', deliveries, reference);
		expect(count.inErp).toBe(1);
		expect(deliveries.filter((delivery) => delivery.status < 200 || delivery.status >= 300)).toEqual([]);
		const stored = sandbox!.truth('generic').invoices.find((stored) => stored.reference === reference);
		expect(ids).toEqual([stored!.id]);
	});

	test("n8n's own dedupe (Remove Duplicates v2, static-data Code node) measured on the same ERP", async () => {
		const removeDuplicates = await burst('concurrent-remove-duplicates', `remove-duplicates-${version}`);
		const staticData = await burst('concurrent-static-data', `static-data-${version}`);
		const measured = {
			removeDuplicates: report('Remove Duplicates v2 + HTTP Request', removeDuplicates.deliveries, removeDuplicates.reference).count.inErp,
			staticData: report('static-data Code node + HTTP Request', staticData.deliveries, staticData.reference).count.inErp,
		};
		// Measured, not promised: at least the invoice went out once through each.
		expect(measured.removeDuplicates).toBeGreaterThanOrEqual(1);
		expect(measured.staticData).toBeGreaterThanOrEqual(1);
	});
});
