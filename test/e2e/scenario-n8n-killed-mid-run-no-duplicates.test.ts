// 200 invoices are posting through an active workflow when n8n is killed (kill -9: nothing saved on the
// way out). n8n starts again and the sender sends everything again: the ERP holds each invoice exactly once.
import { type N8nInstance, type RuntimeVersion, startN8n } from '../../e2e/lib/runtime';
import { describeOnRuntimes } from '../../e2e/demo/jest-runtimes';
import {
	type Delivery,
	countInErp,
	deliver,
	inParallel,
	invoice,
	loadWorkflow,
	loadablePackageRoot,
	statusHistogram,
} from '../../e2e/demo/harness';
import { type Sandbox, startSandbox } from '../../sandbox';

jest.setTimeout(20 * 60 * 1000);

const INVOICES = 200;
const SENDERS = 10;
const KILL_AFTER_ANSWERS = 60;
const WEBHOOK = 'restart-ours';

describeOnRuntimes(['2.41', '2.8'], 'n8n killed mid-run, then everything sent again', (version: RuntimeVersion) => {
	let sandbox: Sandbox | undefined;
	let n8n: N8nInstance | undefined;
	const packageRoot = loadablePackageRoot();

	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['generic'], faults: { generic: { latencyMs: 100 } } });
		n8n = await startN8n({
			version,
			packageRoot: packageRoot.root,
			workflows: [loadWorkflow('dedupe-check-http-request', WEBHOOK, sandbox.urls.generic)],
			waitForWebhooks: [WEBHOOK],
		});
	});

	afterAll(async () => {
		await n8n?.dispose();
		await sandbox?.stop();
		packageRoot.dispose();
	});

	test('200 in the ERP, 0 duplicates, 0 missing, every re-sent invoice answered with its one id', async () => {
		const runId = `restart-${version}`;
		const invoices = Array.from({ length: INVOICES }, (_, index) => invoice(runId, index + 1));
		const url = `${n8n!.baseUrl}/webhook/${WEBHOOK}`;

		let answered = 0;
		let killed: Promise<void> | undefined;
		const firstRun = await inParallel(invoices, SENDERS, async (body) => {
			const delivery = await deliver(url, body, { giveUp: () => killed !== undefined });
			if (delivery.status === 200) answered += 1;
			if (answered >= KILL_AFTER_ANSWERS && !killed) killed = n8n!.kill9();
			return delivery;
		});
		await killed;
		expect(killed).toBeDefined();
		const afterKill = countInErp(sandbox!, 'generic', invoices.map((entry) => entry.reference));
		console.log(
			`n8n ${n8n!.n8nVersion}: killed after ${KILL_AFTER_ANSWERS} answers; first run ${JSON.stringify(statusHistogram(firstRun))}; ` +
				`ERP then held ${afterKill.inErp} of ${INVOICES}`,
		);

		await n8n!.restart();
		const secondRun: Delivery[] = await inParallel(invoices, SENDERS, (body) => deliver(url, body, { maxAttempts: 60 }));
		const count = countInErp(sandbox!, 'generic', invoices.map((entry) => entry.reference));
		console.log(
			`n8n ${n8n!.n8nVersion}: after restart and a full re-send: ${count.inErp} in the ERP, ${count.duplicates} duplicates, ` +
				`${count.missing} missing; answers ${JSON.stringify(statusHistogram(secondRun))}`,
		);

		expect(count).toEqual({ sent: INVOICES, inErp: INVOICES, duplicates: 0, missing: 0 });
		expect(secondRun.filter((delivery) => delivery.status !== 200)).toEqual([]);
		const idByReference = new Map(sandbox!.truth('generic').invoices.map((stored) => [stored.reference, stored.id]));
		const told = secondRun.map((delivery, index) => [(delivery.body as { invoiceId?: string }).invoiceId, idByReference.get(invoices[index].reference)]);
		expect(told.filter(([answered, stored]) => answered !== stored)).toEqual([]);
	});
});
