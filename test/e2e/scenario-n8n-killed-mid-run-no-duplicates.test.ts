// 200 invoices are posting through an active workflow when n8n is killed (kill -9: nothing saved on the
// way out) — at the worst moment: the ERP has committed an invoice whose answer n8n never gets. n8n starts
// again and the sender sends everything again: the ERP holds each invoice exactly once.
import { type N8nInstance, type RuntimeVersion, startN8n } from '../../e2e/lib/runtime';
import { describeOnRuntimes } from '../../e2e/demo/jest-runtimes';
import {
	type Delivery,
	countInErp,
	deliver,
	inParallel,
	invoice,
	loadWorkflow,
	type PackageRoot,
	oursFixture,
	preparePackage,
	sandboxGenericCredential,
	pause,
	statusHistogram,
} from '../../e2e/demo/harness';
import { type Sandbox, startSandbox } from '../../sandbox';

jest.setTimeout(20 * 60 * 1000);

const INVOICES = 200;
const SENDERS = 10;
/** The ERP commits this post and holds its answer: n8n is killed while waiting for it. */
const KILLED_DURING_POST = 61;
const WEBHOOK = 'restart-ours';

describeOnRuntimes(['2.41', '2.8'], 'n8n killed mid-run, then everything sent again', (version: RuntimeVersion) => {
	let sandbox: Sandbox | undefined;
	let n8n: N8nInstance | undefined;
	let packageRoot: PackageRoot | undefined;

	beforeAll(async () => {
		packageRoot = await preparePackage();
		sandbox = await startSandbox({
			erps: ['generic'],
			faults: {
				generic: {
					latencyMs: 100,
					schedule: [{ write: KILLED_DURING_POST, fault: 'commitThenTimeout' }],
					commitThenTimeoutMode: 'hold',
					holdMs: 120_000,
				},
			},
		});
		n8n = await startN8n({
			version,
			packageRoot: packageRoot.root,
			credentials: [sandboxGenericCredential(sandbox.urls.generic)],
			workflows: [loadWorkflow(oursFixture(), WEBHOOK, sandbox.urls.generic)],
			waitForWebhooks: [WEBHOOK],
		});
	});

	afterAll(async () => {
		await n8n?.dispose();
		await sandbox?.stop();
		packageRoot?.dispose();
	});

	test('200 in the ERP, 0 duplicates, 0 missing, every re-sent invoice answered with its one id', async () => {
		const runId = `restart-${version}`;
		const invoices = Array.from({ length: INVOICES }, (_, index) => invoice(runId, index + 1));
		const url = `${n8n!.baseUrl}/webhook/${WEBHOOK}`;

		let killed: Promise<void> | undefined;
		const postHeld = () => sandbox!.requestLog('generic').some((entry) => entry.delivery === 'hold');
		const killer = (async () => {
			while (!postHeld()) await pause(50);
			killed = n8n!.kill9();
			await killed;
		})();
		const firstRun = await inParallel(invoices, SENDERS, (body) => deliver(url, body, { giveUp: () => killed !== undefined }));
		await killer;
		const afterKill = countInErp(sandbox!, 'generic', invoices.map((entry) => entry.reference));
		const answered = firstRun.filter((delivery) => delivery.status === 200).length;
		console.log(
			`n8n ${n8n!.n8nVersion}: killed during post ${KILLED_DURING_POST}; first run ${JSON.stringify(statusHistogram(firstRun))}; ` +
				`ERP then held ${afterKill.inErp} of ${INVOICES}`,
		);
		// At least one invoice is in the ERP that no sender was told about: the ledger never heard of its commit.
		expect(afterKill.inErp).toBeGreaterThan(answered);

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
