/**
 * Items 2–4 and the posting half of 6: Idempotent Invoice Post run by n8n-core's WorkflowExecute
 * against the sandbox (50 ± 10 ms per call) — throughput by concurrency and size, batch calls
 * against single posts, the node against a bare loop over the same HTTP client, and ERPs at their
 * rate limit. Every run checks the sandbox's ground truth: all posted, none twice.
 */
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import { GenericErpApi } from '../credentials/GenericErpApi.credentials';
import { genericRestAdapter } from '../nodes/shared/erp/genericRest/adapter';
import { createErpTransport } from '../nodes/shared/erp/transport';
import type { CanonicalInvoice, ErpContext } from '../nodes/shared/erp/types';
import { startSandbox, type Sandbox, type SandboxErp } from '../sandbox';
import { inforDemoIonApi } from '../sandbox/erps/infor/simulator';
import { connectFreeAgent } from '../test/erp/freeagent-transport';
import { n8nLikeContext } from '../test/erp/transport-n8n-context';
import { atLeast, atMost, emptyPart, type Figure, type PartResult } from './figures';
import { harness } from './harness';
import { benchInvoices } from './invoices';
import { pool, round, timed } from './stats';

const LATENCY = { latencyMs: 50, jitterMs: 10 };
const IDEAL_LATENCY_S = 0.05;
/** Concurrency → invoices: 2,000 at concurrency 1 would take 100 s alone, so the low ones are scaled down. */
const THROUGHPUT_RUNS: Array<{ concurrency: number; invoices: number }> = [
	{ concurrency: 1, invoices: 200 },
	{ concurrency: 4, invoices: 600 },
	{ concurrency: 16, invoices: 2000 },
];
export const GROWTH_SIZES = [250, 500, 1000, 2000];
const BATCH_SIZES = [15, 100, 1000];
const BATCH_INVOICES = 1000;
const BATCH_CONCURRENCY = 4;
const SINGLE_INVOICES_FOR_BATCH = 300;
/** Fast retries: the bench measures posting, and retries only happen at the rate limits. */
const RETRIES = { initialDelayMs: 200, maxDelayMs: 5000, requestTimeoutMs: 10_000 };

interface Connection {
	erp: string;
	credentialType: string;
	settings?: IDataObject;
}

interface PostRun {
	wallMs: number;
	posted: number;
	existed: number;
	failed: number;
	firstFailure?: string;
}

let runCounter = 0;

async function postThroughNode(
	credentials: InstanceType<typeof harness.TestCredentialsHelper>,
	connection: Connection,
	invoices: IDataObject[],
	options: IDataObject,
): Promise<PostRun> {
	const workflow = harness.chain([
		harness.node(
			'Post',
			'idempotentInvoicePost',
			{ erp: connection.erp, options: { ...RETRIES, ...options }, ...(connection.settings ? { [`${connection.erp}Settings`]: connection.settings } : {}) },
			{ [connection.credentialType]: { id: `bench-${connection.erp}`, name: connection.erp } },
		),
	]);
	// Its own workflow id: its own ledger in the process registry, as a separate workflow would have.
	workflow.id = `bench-${++runCounter}`;
	const { ms, result } = await timed(() => harness.runWorkflow({ workflow, input: invoices, credentials }));
	process.stderr.write(`  · ${connection.erp} ${invoices.length} invoices ${JSON.stringify(options)}: ${Math.round(ms)} ms\n`);
	if (result.error) throw new Error(`the workflow failed: ${result.error}`);
	const [posted = [], existed = [], failed = []] = result.outputs('Post');
	const firstFailure = (failed[0]?.json.idempotency as IDataObject | undefined)?.error as string | undefined;
	return { wallMs: ms, posted: posted.length, existed: existed.length, failed: failed.length, firstFailure };
}

/** What the ERP holds for this run's references: invoices stored, and references stored twice. */
function truthOf(sandbox: Sandbox, erp: SandboxErp, invoices: IDataObject[]): { stored: number; duplicates: number; missing: number } {
	const truth = sandbox.truth(erp);
	const wanted = new Set(invoices.map((invoice) => String(invoice.externalReference)));
	let stored = 0;
	let duplicates = 0;
	let missing = 0;
	for (const reference of wanted) {
		const count = truth.countByReference[reference] ?? 0;
		stored += count;
		if (count > 1) duplicates += count - 1;
		if (count === 0) missing++;
	}
	return { stored, duplicates, missing };
}

function exactlyOnceNote(run: PostRun, truth: ReturnType<typeof truthOf>, expected: number): string {
	const text = `${truth.stored}/${expected} in ERP, ${truth.duplicates} duplicates, ${truth.missing} missing`;
	return run.failed > 0 ? `${text}; ${run.failed} failed (first: ${run.firstFailure ?? '?'})` : text;
}

export async function benchPosting(): Promise<PartResult> {
	const part = emptyPart();
	const sandbox = await startSandbox({
		erps: ['generic', 'infor', 'dataverse', 'freeagent'],
		seed: 8,
		faults: {
			generic: { ...LATENCY, options: { auth: 'none', uniqueReference: true } },
			infor: LATENCY,
			// Throughput runs must not meet the 6,000/5 min limit: that one is measured on its own below.
			dataverse: { ...LATENCY, options: { rateLimitPerWindow: 1_000_000_000 } },
			freeagent: LATENCY,
		},
	});
	try {
		const freeAgent = await connectFreeAgent(sandbox.urls.freeagent);
		const credentials = new harness.TestCredentialsHelper({
			genericErpApi: { baseUrl: sandbox.urls.generic, authType: 'none' },
			inforIonApi: { ionapiFile: JSON.stringify(inforDemoIonApi(sandbox.urls.infor)) },
			dynamics365Api: { environmentUrl: sandbox.urls.dataverse, tenantId: 'sandbox-tenant', authorityUrl: sandbox.urls.dataverse, clientId: 'sandbox-client', clientSecret: 'sandbox-secret' },
			freeAgentOAuth2Api: freeAgent as unknown as ICredentialDataDecryptedObject,
		});
		const generic: Connection = { erp: 'genericRest', credentialType: 'genericErpApi', settings: { nativeUniqueness: true } };
		// The first run of a node loads and compiles its modules and fetches tokens: not what is measured.
		for (const [erp, connection] of [
			['generic', generic],
			['infor', { erp: 'inforIcs', credentialType: 'inforIonApi' }],
			['dataverse', { erp: 'dynamics365', credentialType: 'dynamics365Api', settings: { useAlternateKey: true } }],
		] as Array<[SandboxErp, Connection]>) {
			await postThroughNode(credentials, connection, benchInvoices(20, `warm-${erp}`), { concurrency: 4 });
		}
		await throughput(part, sandbox, credentials, generic);
		await overhead(part, sandbox, credentials, generic);
		await batches(part, sandbox, credentials);
		await rateLimits(part, sandbox, credentials);
	} finally {
		await sandbox.stop();
	}
	return part;
}

async function throughput(part: PartResult, sandbox: Sandbox, credentials: InstanceType<typeof harness.TestCredentialsHelper>, generic: Connection): Promise<void> {
	const section = 'Posting throughput (Generic REST, 50 ± 10 ms)';
	let c16Rate: number | undefined;
	for (const { concurrency, invoices: count } of THROUGHPUT_RUNS) {
		const invoices = benchInvoices(count, `T${concurrency}`);
		const run = await postThroughNode(credentials, generic, invoices, { concurrency });
		const truth = truthOf(sandbox, 'generic', invoices);
		const perSecond = run.posted / (run.wallMs / 1000);
		const ideal = concurrency / IDEAL_LATENCY_S;
		const share = perSecond / ideal;
		if (concurrency === 16 && count === 2000) c16Rate = perSecond;
		const figure: Figure = {
			section,
			name: `concurrency ${concurrency}: ${count} invoices → invoices/s (ideal ${ideal}/s)`,
			value: round(perSecond, 1),
			unit: '/s',
			note: `${round(share * 100, 0)} % of ideal; ${exactlyOnceNote(run, truth, count)}`,
		};
		if (concurrency === 16) {
			figure.target = '≥ 90 % of ideal';
			figure.met = atLeast(share, 0.9) && truth.duplicates === 0 && truth.missing === 0;
		}
		part.figures.push(figure);
	}
	// Growth: does the node stay as fast per invoice as the input grows?
	const points = [];
	for (const count of GROWTH_SIZES) {
		// The largest size is the concurrency-16 run above.
		const measured = count === 2000 ? c16Rate : undefined;
		if (measured !== undefined) {
			points.push({ x: count, y: measured });
			continue;
		}
		const invoices = benchInvoices(count, `G${count}`);
		const run = await postThroughNode(credentials, generic, invoices, { concurrency: 16 });
		points.push({ x: count, y: run.posted / (run.wallMs / 1000) });
	}
	part.curves.push({ chart: 'posting', label: 'Post node, concurrency 16: invoices/s', unit: '/s', points });
	part.figures.push({
		section,
		name: `concurrency 16 by input size ${GROWTH_SIZES.join(' / ')}`,
		value: null,
		unit: '/s',
		note: points.map((point) => `${point.x}: ${round(point.y, 0)}/s`).join(', '),
	});
}

/** Item 3: the same invoices by a bare loop — the adapter over the same n8n-core HTTP client, no ledger, no retries. */
async function overhead(part: PartResult, sandbox: Sandbox, credentials: InstanceType<typeof harness.TestCredentialsHelper>, generic: Connection): Promise<void> {
	const section = 'Overhead against a bare loop';
	const count = 2000;
	const concurrency = 16;
	const nodeInvoices = benchInvoices(count, 'OVN');
	const nodeRun = await postThroughNode(credentials, generic, nodeInvoices, { concurrency });

	const bareInvoices = benchInvoices(count, 'OVB');
	const n8n = n8nLikeContext(new GenericErpApi(), { baseUrl: sandbox.urls.generic, authType: 'none' });
	const ctx: ErpContext = { transport: createErpTransport(n8n.fns, 'genericErpApi'), credentials: n8n.stored, settings: generic.settings ?? {}, requestTimeoutMs: RETRIES.requestTimeoutMs };
	let created = 0;
	const bare = await timed(() =>
		pool(count, concurrency, async (index) => {
			const invoice = bareInvoices[index];
			const key = String(invoice.idempotencyKey);
			const answer = await genericRestAdapter.create(ctx, {
				key,
				reference: String(invoice.externalReference),
				invoice: invoice as unknown as CanonicalInvoice,
				idempotencyHeader: { name: 'Idempotency-Key', value: key },
			});
			if (answer.outcome === 'created') created++;
		}),
	);
	const ratio = nodeRun.wallMs / bare.ms;
	part.figures.push({
		section,
		name: `${count} invoices at concurrency ${concurrency}: node ÷ bare loop wall time`,
		value: round(ratio, 3),
		unit: '×',
		target: '≤ 1.10',
		met: atMost(ratio, 1.1) && nodeRun.posted === count && created === count,
		note: `node ${round(nodeRun.wallMs / 1000, 2)} s (${nodeRun.posted} posted), bare loop ${round(bare.ms / 1000, 2)} s (${created} created)`,
	});
}

async function batches(part: PartResult, sandbox: Sandbox, credentials: InstanceType<typeof harness.TestCredentialsHelper>): Promise<void> {
	const erps: Array<{ section: string; sandboxErp: SandboxErp; connection: (batchSize: number) => Connection; options: IDataObject }> = [
		{
			section: 'Batch calls: Infor /invoices/batch',
			sandboxErp: 'infor',
			connection: (batchSize) => ({ erp: 'inforIcs', credentialType: 'inforIonApi', settings: { maxBatchSize: Math.max(batchSize, 1) } }),
			// Infor cannot refuse a duplicate, so `auto` looks every new invoice up first; that cost is measured apart below.
			options: { lookupBeforePost: 'never' },
		},
		{
			section: 'Batch calls: Dataverse $batch',
			sandboxErp: 'dataverse',
			connection: () => ({ erp: 'dynamics365', credentialType: 'dynamics365Api', settings: { useAlternateKey: true } }),
			options: {},
		},
	];
	for (const erp of erps) {
		const singles = benchInvoices(SINGLE_INVOICES_FOR_BATCH, `${erp.sandboxErp}-S`);
		const single = await postThroughNode(credentials, erp.connection(1), singles, { ...erp.options, concurrency: BATCH_CONCURRENCY, batchSize: 1 });
		const singleRate = single.posted / (single.wallMs / 1000);
		const singleTruth = truthOf(sandbox, erp.sandboxErp, singles);
		part.figures.push({
			section: erp.section,
			name: `single posts, concurrency ${BATCH_CONCURRENCY}: ${SINGLE_INVOICES_FOR_BATCH} invoices`,
			value: round(singleRate, 1),
			unit: '/s',
			note: exactlyOnceNote(single, singleTruth, SINGLE_INVOICES_FOR_BATCH),
		});
		const points = [{ x: 1, y: singleRate }];
		for (const batchSize of BATCH_SIZES) {
			const invoices = benchInvoices(BATCH_INVOICES, `${erp.sandboxErp}-B${batchSize}`);
			const run = await postThroughNode(credentials, erp.connection(batchSize), invoices, { ...erp.options, concurrency: BATCH_CONCURRENCY, batchSize });
			const rate = run.posted / (run.wallMs / 1000);
			const truth = truthOf(sandbox, erp.sandboxErp, invoices);
			points.push({ x: batchSize, y: rate });
			const figure: Figure = {
				section: erp.section,
				name: `batch size ${batchSize}: ${BATCH_INVOICES} invoices → ×single`,
				value: round(rate / singleRate, 1),
				unit: '×',
				note: `${round(rate, 0)}/s; ${exactlyOnceNote(run, truth, BATCH_INVOICES)}`,
			};
			if (batchSize === 100) {
				figure.target = '≥ 10× single';
				figure.met = atLeast(rate / singleRate, 10) && truth.duplicates === 0 && truth.missing === 0;
			}
			part.figures.push(figure);
		}
		part.curves.push({ chart: 'batch', label: `${erp.section.replace('Batch calls: ', '')}: invoices/s by batch size`, unit: '/s', points });
	}
	// What Infor's default `lookupBeforePost: auto` costs: one lookup per new invoice before the batch.
	const invoices = benchInvoices(500, 'infor-auto');
	const run = await postThroughNode(credentials, erps[0].connection(100), invoices, { concurrency: BATCH_CONCURRENCY, batchSize: 100 });
	part.figures.push({
		section: erps[0].section,
		name: 'batch size 100 with lookupBeforePost auto (the default): 500 invoices',
		value: round(run.posted / (run.wallMs / 1000), 1),
		unit: '/s',
		note: exactlyOnceNote(run, truthOf(sandbox, 'infor', invoices), 500),
	});
}

/**
 * Item 4. Share of the limit = the rate after the first window's burst: a sliding window lets the
 * first `limit` requests through at once, so the first `limit` invoices are not counted, and the
 * rest are timed from the first post to the last one.
 */
async function rateLimits(part: PartResult, sandbox: Sandbox, credentials: InstanceType<typeof harness.TestCredentialsHelper>): Promise<void> {
	// Low latency here, so the ERP's limit (not its latency) is what bounds the rate.
	const runs: Array<{ name: string; sandboxErp: SandboxErp; connection: Connection; limit: number; windowMs: number; count: number; concurrency: number; faults: IDataObject }> = [
		{
			name: 'FreeAgent at 30/min (its 120/min scaled down: the window stays 60 s; one window past the burst)',
			sandboxErp: 'freeagent',
			connection: { erp: 'freeAgent', credentialType: 'freeAgentOAuth2Api' },
			limit: 30,
			windowMs: 60_000,
			count: 60,
			concurrency: 1,
			faults: { latencyMs: 5, jitterMs: 1, options: { perMinute: 30, sendRetryAfter: true } },
		},
		{
			name: 'Dataverse at its 429 limit (scaled: 100 per 5 s)',
			sandboxErp: 'dataverse',
			connection: { erp: 'dynamics365', credentialType: 'dynamics365Api', settings: { useAlternateKey: true } },
			limit: 100,
			windowMs: 5_000,
			count: 500,
			concurrency: 16,
			faults: { latencyMs: 5, jitterMs: 1, options: { rateLimitPerWindow: 100, windowMs: 5_000 } },
		},
	];
	for (const spec of runs) {
		const section = `Rate-limited: ${spec.name}`;
		sandbox.setFaults(spec.sandboxErp, spec.faults as never);
		sandbox.reset(spec.sandboxErp);
		// A reset forgets FreeAgent's tokens too, refresh token included: connect the account again, as a user would.
		if (spec.sandboxErp === 'freeagent') credentials.stored.set('freeAgentOAuth2Api', (await connectFreeAgent(sandbox.urls.freeagent)) as unknown as ICredentialDataDecryptedObject);
		const invoices = benchInvoices(spec.count, `RL-${spec.sandboxErp}`);
		const run = await postThroughNode(credentials, spec.connection, invoices, { concurrency: spec.concurrency, batchSize: 1, maxAttempts: 50, maxDelayMs: 60_000 });
		const truth = truthOf(sandbox, spec.sandboxErp, invoices);
		// Creates are POSTs, or PATCHes on Dataverse's alternate key.
		const log = sandbox.requestLog(spec.sandboxErp).filter((entry) => (entry.method === 'POST' || entry.method === 'PATCH') && !entry.path.includes('token'));
		const throttled = sandbox.requestLog(spec.sandboxErp).filter((entry) => entry.status === 429).length;
		const createdTimes = log.filter((entry) => entry.status >= 200 && entry.status < 300).map((entry) => entry.wallTime);
		const afterBurst = createdTimes.slice(spec.limit);
		const spanMs = afterBurst.length > 1 ? createdTimes[createdTimes.length - 1] - createdTimes[0] : NaN;
		const sustainedPerWindow = ((createdTimes.length - spec.limit) / spanMs) * spec.windowMs;
		const share = sustainedPerWindow / spec.limit;
		part.figures.push({
			section,
			name: `sustained rate as share of the limit (${spec.count} invoices, concurrency ${spec.concurrency})`,
			value: round(share * 100, 1),
			unit: '%',
			target: '≥ 95 %',
			met: atLeast(share, 0.95),
			note: `${round(sustainedPerWindow, 1)} per ${spec.windowMs / 1000} s after the first ${spec.limit}; run ${round(run.wallMs / 1000, 1)} s`,
		});
		part.figures.push({ section, name: '429 answers received', value: throttled, unit: '' });
		part.figures.push({
			section,
			name: 'duplicates in the ERP (sandbox truth)',
			value: truth.duplicates,
			unit: '',
			target: '0',
			met: truth.duplicates === 0 && truth.missing === 0 && run.failed === 0,
			note: exactlyOnceNote(run, truth, spec.count),
		});
	}
}
