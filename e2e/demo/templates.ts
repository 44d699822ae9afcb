/**
 * The demo's "ours" column: each seed scenario through the seed's own template from templates/, against
 * that ERP's own sandbox simulator, with the credential type the template names. The template is changed
 * only in an in-memory copy, and only where a demo must: its schedule/manual triggers become one Webhook
 * (so the demo decides when a run starts and which invoices it carries), the sample Code node reads the
 * invoices from that webhook, the Post node's credential is bound to the imported sandbox credential, and
 * every invoice leaving the Post node is answered back to the demo, tagged with the output it left by.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import { REPO_ROOT } from '../lib/runtime';
import type { FaultConfig, Sandbox, SandboxErp } from '../../sandbox';
import { SIMULATOR_FACTORIES, demoCredentials } from '../../sandbox/erps';
import { inforDemoIonApi } from '../../sandbox/erps/infor/simulator';
import { connectFreeAgent } from '../../test/erp/freeagent-transport';
import { type Delivery, type WorkflowJson, deliver, inParallel, invoice } from './harness';
import type { SeedScenario } from './scenarios';

export const TEMPLATES_DIR = path.join(REPO_ROOT, 'templates');
const POST_NODE_TYPE = 'n8n-nodes-idempotent-invoice.idempotentInvoicePost';
const TRIGGER_TYPES = ['n8n-nodes-base.scheduleTrigger', 'n8n-nodes-base.manualTrigger'];
/** The Post node's outputs, in order, as the demo tags them. */
export const POST_OUTPUTS = ['posted', 'alreadyExisted', 'failed'] as const;
/** What the callback template's Header Auth credential expects from the robot in the demo and the tests (not a secret: loopback only). */
export const ROBOT_HEADER = { name: 'X-Robot-Key', value: 'demo-robot-key-for-the-sandbox' } as const;
export type PostOutput = (typeof POST_OUTPUTS)[number];

/** A node as templates/*.json carry it (the template e2e tests read them with this type too). */
export interface TemplateNode {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string | null; name: string }>;
	webhookId?: string;
	[key: string]: unknown;
}

type Connections = Record<string, { main: Array<Array<{ node: string; type: string; index: number }>> }>;

interface TemplateJson {
	name: string;
	nodes: TemplateNode[];
	connections: Connections;
	[key: string]: unknown;
}

/** What one invoice's run through the template ended as, per the demo's tag on the Post node's outputs. */
export interface TemplateOutcome {
	reference: string;
	output: PostOutput;
	state?: string;
	error?: string;
}

export interface TemplateRun {
	/** The references the ERP's ground truth is counted by. */
	references: string[];
	outcomes: TemplateOutcome[];
}

export interface SeedTemplate {
	seed: string;
	file: string;
	/** The simulator this template posts to. */
	erp: SandboxErp;
	erpLabel: string;
	credentialType: string;
	/** Faults on the template's simulator: the scenario's, unless the ERP's own call shape needs another form. */
	faults(scenario: SeedScenario): FaultConfig;
	/** Sends the scenario's invoices to the template (its webhook) as the seed's source would. */
	run(url: string, runId: string, scenario: SeedScenario, sandbox: Sandbox): Promise<TemplateRun>;
	/** Webhook path of the in-memory copy (the Mendix receiver keeps its own). */
	webhookPath?: string;
}

const range = (count: number) => Array.from({ length: count }, (_, index) => index + 1);

/** One run of a batch-style template: POST the invoices to its webhook, read back every invoice's output. */
async function runBatch(url: string, invoices: object[]): Promise<{ delivery: Delivery; outcomes: TemplateOutcome[] }> {
	// A scheduler does not re-send a run by itself: the re-runs a seed has are explicit.
	const delivery = await deliver(url, { invoices }, { maxAttempts: 1 });
	const outcomes = outcomesOf(delivery);
	// A run that failed as a whole names no invoice: say so, so the reasons printed explain the count.
	if (outcomes.length === 0) outcomes.push({ reference: '', output: 'failed', error: `the run answered HTTP ${delivery.status} without any invoice` });
	return { delivery, outcomes };
}

function outcomesOf(delivery: Delivery): TemplateOutcome[] {
	const body = delivery.body;
	const items = Array.isArray(body) ? body : body && typeof body === 'object' ? [body] : [];
	const outcomes: TemplateOutcome[] = [];
	for (const item of items as Array<Record<string, unknown>>) {
		const idempotency = item.idempotency as { reference?: unknown; state?: unknown; error?: unknown } | undefined;
		const output = item.demoOutput as PostOutput | undefined;
		if (!idempotency || typeof idempotency.reference !== 'string' || !output) continue;
		outcomes.push({
			reference: idempotency.reference,
			output,
			state: typeof idempotency.state === 'string' ? idempotency.state : undefined,
			error: typeof idempotency.error === 'string' ? idempotency.error : undefined,
		});
	}
	return outcomes;
}

/** Invoices no run confirmed (never left by Posted or Already Existed): what a person must review. */
export function inFailed(run: TemplateRun): number {
	const confirmed = new Set(run.outcomes.filter((outcome) => outcome.output !== 'failed').map((outcome) => outcome.reference));
	return new Set(run.references.filter((reference) => !confirmed.has(reference))).size;
}

/**
 * What the runs ended as: per Post node output for a batch template (a re-run counts again), per answer
 * for the callback receiver (the robot sees answers, not outputs).
 */
export function outcomeSummary(template: SeedTemplate, run: TemplateRun): string {
	const count = (output: PostOutput) => run.outcomes.filter((outcome) => outcome.output === output).length;
	if (template.webhookPath) return `callbacks answered "success" ${count('posted')}, an error ${count('failed')}`;
	return `left the Post node by Posted ${count('posted')}, Already Existed ${count('alreadyExisted')}, Failed ${count('failed')}`;
}

/** The first few reasons invoices left by Failed, to explain a non-zero "in Failed". */
export function failureReasons(run: TemplateRun, limit = 3): string[] {
	const reasons = new Map<string, number>();
	for (const outcome of run.outcomes) {
		if (outcome.output !== 'failed') continue;
		const reason = `${outcome.state ?? '?'}: ${outcome.error ?? 'no reason given'}`;
		reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
	}
	return [...reasons.entries()].slice(0, limit).map(([reason, count]) => `${count}× ${reason}`);
}

export const SEED_TEMPLATES: SeedTemplate[] = [
	{
		seed: '000',
		file: 'infor-ar-batch-posting.json',
		erp: 'infor',
		erpLabel: 'Infor ICS AR simulator',
		credentialType: 'inforIonApi',
		// The template posts batches of 15, one write each, up to 4 at once: the third batch call to arrive
		// dies at its 7th invoice with the ones before it committed (invoice 37 when the batches arrive in
		// order) and answers 500 with the partial results: the seed's failure.
		faults: (scenario) => ({
			latencyMs: scenario.faults.latencyMs,
			schedule: [{ write: 3, fault: 'failMidBatch' }],
			failMidBatchAt: 6,
			failMidBatchMode: 'partial500',
		}),
		async run(url, runId) {
			const invoices = range(50).map((n) => {
				const base = invoice(runId, n);
				const { invoiceNumber, reference: externalReference, invoiceDate, currency, amount, customerId } = base;
				// A customer name with special characters, as in the seed's silent mid-batch failures.
				return { companyId: runId, invoiceNumber, externalReference, invoiceDate, dueDate: '2026-12-24', currency, amount, customerId, customerName: 'Müller & Söhne GmbH' };
			});
			// The scheduled run meets the failure; then the user runs the workflow again, as in the seed.
			const first = await runBatch(url, invoices);
			const again = await runBatch(url, invoices);
			return { references: invoices.map((invoice) => invoice.externalReference), outcomes: [...first.outcomes, ...again.outcomes] };
		},
	},
	{
		seed: '001',
		file: 'dynamics365-vendor-invoices.json',
		erp: 'dataverse',
		erpLabel: 'Dataverse simulator',
		credentialType: 'dynamics365Api',
		faults: (scenario) => scenario.faults,
		async run(url, runId) {
			const invoices = range(50).map((n) => {
				const base = invoice(runId, n);
				// The template keys on vendor + invoice number: the run id keeps runs apart in one sandbox.
				return { vendorAccount: 'V001', invoiceNumber: base.reference, invoiceDate: base.invoiceDate, dueDate: '2026-12-24', currency: base.currency, amount: base.amount };
			});
			// One hourly run whose source carries 3 invoices twice (the seed's duplicates).
			const batch = [...invoices.slice(0, 20), invoices[3], ...invoices.slice(20, 40), invoices[11], ...invoices.slice(40), invoices[27]];
			const { outcomes } = await runBatch(url, batch);
			return { references: invoices.map((invoice) => `${invoice.vendorAccount}-${invoice.invoiceNumber}`), outcomes };
		},
	},
	{
		seed: '002',
		file: 'mendix-rpa-callback-receiver.json',
		erp: 'mendix',
		erpLabel: 'Mendix REST simulator',
		credentialType: 'mendixApi',
		webhookPath: 'mendix-invoice-callback',
		faults: (scenario) => scenario.faults,
		async run(url, runId, scenario) {
			// The robot's callbacks, as the scenario sends them; the template keys on transactionId.
			// The robot sends the header the template's webhook authenticates.
			const { invoices, deliveries } = await scenario.run(url, runId, (invoice) => ({ ...invoice, transactionId: invoice.reference }), {
				[ROBOT_HEADER.name]: ROBOT_HEADER.value,
			});
			const outcomes: TemplateOutcome[] = deliveries.map((delivery) => {
				const body = delivery.body as { status?: unknown; invoiceId?: unknown; message?: unknown } | undefined;
				const confirmed = delivery.status >= 200 && delivery.status < 300 && body?.status === 'success' && body.invoiceId !== undefined && body.invoiceId !== null;
				return { reference: delivery.reference ?? '', output: confirmed ? 'posted' : 'failed', error: typeof body?.message === 'string' ? body.message : `HTTP ${delivery.status}` };
			});
			return { references: invoices.map((invoice) => invoice.reference), outcomes };
		},
	},
	{
		seed: '003',
		file: 'freeagent-explicit-references.json',
		erp: 'freeagent',
		erpLabel: 'FreeAgent simulator',
		credentialType: 'freeAgentOAuth2Api',
		faults: (scenario) => scenario.faults,
		async run(url, runId, _scenario, sandbox) {
			const invoices = range(30).map((n) => {
				const base = invoice(runId, n);
				const { invoiceNumber, reference: externalReference, invoiceDate, amount } = base;
				const contactUrl = `${sandbox.urls.freeagent}/v2/contacts/1`;
				return { invoiceNumber, externalReference, contactUrl, invoiceDate, currency: 'GBP', amount, lines: [{ description: 'Design work', quantity: 1, unitPrice: amount }] };
			});
			// 30 posts at once: overlapping runs of the workflow, 10 at a time, one invoice each.
			const runs = await inParallel(invoices, 10, (invoice) => runBatch(url, [invoice]));
			return { references: invoices.map((invoice) => invoice.externalReference), outcomes: runs.flatMap((run) => run.outcomes) };
		},
	},
	{
		seed: '004',
		file: 'erply-temporary-uuid.json',
		erp: 'erply',
		erpLabel: 'Erply simulator',
		credentialType: 'erplyApi',
		faults: (scenario) => scenario.faults,
		async run(url, runId) {
			const invoices = range(20).map((n) => {
				const base = invoice(runId, n);
				const { invoiceNumber, reference: externalReference, invoiceDate, currency, amount } = base;
				// Erply's customerID is numeric.
				return { companyId: runId, invoiceNumber, externalReference, invoiceDate, currency, amount, customerId: '12', lines: [{ description: 'T-shirt', quantity: 1, unitPrice: amount }] };
			});
			// Each invoice sent twice at the same moment: two runs of the workflow, one invoice each.
			const runs = await inParallel(
				invoices.flatMap((invoice) => [invoice, invoice]),
				10,
				(invoice) => runBatch(url, [invoice]),
			);
			return { references: invoices.map((invoice) => invoice.externalReference), outcomes: runs.flatMap((run) => run.outcomes) };
		},
	},
];

// ---------------------------------------------------------------- credentials

export interface DemoCredential {
	id: string;
	name: string;
	type: string;
	data: Record<string, unknown>;
}

/**
 * Every credential a template names (its ERP's, and e.g. the webhook's Header Auth), filled for the sandbox
 * and named as the template names it: n8n's import binds a template's `{id: null, name}` by type and name.
 */
export async function sandboxCredentialsFor(template: SeedTemplate, sandbox: Sandbox): Promise<DemoCredential[]> {
	const workflow = readTemplate(template.file);
	const named = new Map(workflow.nodes.flatMap((node) => Object.entries(node.credentials ?? {})).map(([type, reference]) => [type, reference.name]));
	return await Promise.all(
		[...named].map(async ([type, name]) => ({
			id: crypto.createHash('sha256').update(`demo-credential:${type}`).digest('hex').slice(0, 16),
			name,
			type,
			data: await credentialData(type, sandbox),
		})),
	);
}

async function credentialData(type: string, sandbox: Sandbox): Promise<Record<string, unknown>> {
	const data = sandboxCredentialData(type, sandbox);
	// What n8n's "Connect my account" stores on top: the tokens of an authorization-code grant.
	return type === 'freeAgentOAuth2Api' ? { ...data, ...(await connectFreeAgent(sandbox.urls.freeagent)) } : data;
}

/** Credential data per type, pointing at the sandbox (its demo logins are not secrets). */
export function sandboxCredentialData(type: string, sandbox: Sandbox): Record<string, unknown> {
	const demo = (erp: SandboxErp) => demoCredentials(SIMULATOR_FACTORIES[erp](), sandbox.urls[erp]) ?? {};
	switch (type) {
		case 'inforIonApi':
			return { ionapiFile: JSON.stringify(inforDemoIonApi(sandbox.urls.infor)) };
		case 'dynamics365Api': {
			const { environmentUrl, tenantId, clientId, clientSecret } = demo('dataverse');
			// The simulator's token endpoint stands in for Entra ID.
			return { environmentUrl, tenantId, authorityUrl: sandbox.urls.dataverse, clientId, clientSecret };
		}
		case 'freeAgentOAuth2Api': {
			const { clientId, clientSecret } = demo('freeagent');
			return { environment: 'custom', baseUrl: sandbox.urls.freeagent, clientId, clientSecret };
		}
		case 'erplyApi': {
			const { clientCode, username, password } = demo('erply');
			return { clientCode, username, password, baseUrl: `${sandbox.urls.erply}/api/` };
		}
		case 'mendixApi': {
			const { baseUrl, user, password } = demo('mendix');
			return { baseUrl, username: user, password };
		}
		// n8n's own credential types the templates name.
		case 'httpHeaderAuth':
			return { name: ROBOT_HEADER.name, value: ROBOT_HEADER.value };
		case 'redis':
			// Only published, never run, by the template tests: no Redis needs to listen here.
			return { host: '127.0.0.1', port: 6379, database: 0, password: '' };
		case 'smtp':
			return { host: '127.0.0.1', port: 2525, secure: false, user: '', password: '' };
		default:
			throw new Error(`No sandbox credential for type "${type}": add one to e2e/demo/templates.ts`);
	}
}

// ---------------------------------------------------------------- the in-memory copy

function readTemplate(file: string): TemplateJson {
	return JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIR, file), 'utf8')) as TemplateJson;
}

function uuidFrom(seed: string): string {
	const hex = crypto.createHash('sha256').update(seed).digest('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function demoWebhookPath(template: SeedTemplate): string {
	return template.webhookPath ?? `demo-template-${template.seed}`;
}

/**
 * The template as the demo imports it. A webhook template (the Mendix receiver) only gets its credential
 * bound; a batch template gets a Webhook instead of its schedule, its sample Code node reads the webhook's
 * invoices, and the Post node's three outputs are tagged and answered back to the demo.
 */
export function demoCopyOf(template: SeedTemplate, credentialId: string): WorkflowJson {
	const workflow = readTemplate(template.file);
	const id = crypto.createHash('sha256').update(`demo-template:${template.file}`).digest('hex').slice(0, 16);
	const posts = workflow.nodes.filter((node) => node.type === POST_NODE_TYPE);
	if (posts.length === 0) throw new Error(`${template.file} has no Idempotent Invoice Post node`);
	for (const node of workflow.nodes) {
		for (const [type, reference] of Object.entries(node.credentials ?? {})) {
			if (type === template.credentialType) node.credentials![type] = { id: credentialId, name: reference.name };
		}
	}
	const triggers = workflow.nodes.filter((node) => TRIGGER_TYPES.includes(node.type));
	if (triggers.length === 0) return { ...workflow, id } as unknown as WorkflowJson;

	// Triggers → one Webhook feeding what they fed.
	const fed = new Map<string, { node: string; type: string; index: number }>();
	for (const trigger of triggers) {
		for (const target of workflow.connections[trigger.name]?.main.flat() ?? []) fed.set(`${target.node}/${target.index}`, target);
		delete workflow.connections[trigger.name];
	}
	const triggerNames = new Set(triggers.map((node) => node.name));
	workflow.nodes = workflow.nodes.filter((node) => !triggerNames.has(node.name));
	const webhookName = 'Demo: invoices from the demo';
	workflow.nodes.push({
		id: uuidFrom(`${template.file}:webhook-node`),
		name: webhookName,
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: triggers[0].position,
		webhookId: uuidFrom(`${template.file}:webhook`),
		parameters: { httpMethod: 'POST', path: demoWebhookPath(template), responseMode: 'responseNode', options: {} },
	});
	workflow.connections[webhookName] = { main: [[...fed.values()]] };

	// The sample invoices: the node the trigger fed, when it is a Code node.
	for (const target of fed.values()) {
		const node = workflow.nodes.find((candidate) => candidate.name === target.node);
		if (node?.type !== 'n8n-nodes-base.code') throw new Error(`${template.file}: the trigger feeds "${target.node}", not a Code node with sample invoices`);
		node.parameters = { ...node.parameters, jsCode: `// Demo: the invoices the demo sent to the webhook.\nreturn $input.first().json.body.invoices.map((json) => ({ json }));` };
	}

	// Every invoice leaving the Post node, tagged with its output, answered to the demo in one response.
	const [post] = posts;
	const mergeName = 'Demo: every invoice';
	const respondName = 'Demo: answer the demo';
	const tagName = (output: PostOutput) => `Demo: tag ${output}`;
	const outputs = workflow.connections[post.name]?.main ?? [];
	POST_OUTPUTS.forEach((output, index) => {
		workflow.nodes.push({
			id: uuidFrom(`${template.file}:tag:${output}`),
			name: tagName(output),
			type: 'n8n-nodes-base.set',
			typeVersion: 3.4,
			position: [post.position[0] + 240, post.position[1] + 600 + index * 160],
			parameters: {
				mode: 'manual',
				includeOtherFields: true,
				assignments: { assignments: [{ id: uuidFrom(`${template.file}:tag-field:${output}`), name: 'demoOutput', value: output, type: 'string' }] },
				options: {},
			},
		});
		outputs[index] = [...(outputs[index] ?? []), { node: tagName(output), type: 'main', index: 0 }];
		workflow.connections[tagName(output)] = { main: [[{ node: mergeName, type: 'main', index }]] };
	});
	workflow.connections[post.name] = { main: outputs };
	workflow.nodes.push(
		{
			id: uuidFrom(`${template.file}:merge`),
			name: mergeName,
			type: 'n8n-nodes-base.merge',
			typeVersion: 3,
			position: [post.position[0] + 480, post.position[1] + 760],
			parameters: { mode: 'append', numberInputs: POST_OUTPUTS.length },
		},
		{
			id: uuidFrom(`${template.file}:respond`),
			name: respondName,
			type: 'n8n-nodes-base.respondToWebhook',
			typeVersion: 1.1,
			position: [post.position[0] + 720, post.position[1] + 760],
			parameters: { respondWith: 'allIncomingItems', options: {} },
		},
	);
	workflow.connections[mergeName] = { main: [[{ node: respondName, type: 'main', index: 0 }]] };
	return { ...workflow, id } as unknown as WorkflowJson;
}
