/**
 * What the demo and the e2e scenario tests share: the workflow fixtures, a loadable package while some
 * nodes are still unbuilt, a sender that behaves like a robot (retries 5xx, bounded), and the ERP counts.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { PACKAGE_NAME, REPO_ROOT, buildPackage, missingPackageFiles, packageNodeTypes } from '../lib/runtime';
import type { Sandbox, SandboxErp } from '../../sandbox';

export const WORKFLOWS_DIR = path.join(REPO_ROOT, 'e2e', 'workflows');

export type WorkflowFixture =
	| 'dedupe-check-invoice-post'
	| 'dedupe-check-http-request'
	| 'n8n-remove-duplicates'
	| 'n8n-static-data-code'
	| 'invoice-post';

/** The credential the Post node's workflow uses (`__CREDENTIAL_ID__`): the sandbox's generic ERP, no auth. */
export const SANDBOX_CREDENTIAL_ID = 'sandboxGeneric01';

export function sandboxGenericCredential(erpUrl: string): object {
	return { id: SANDBOX_CREDENTIAL_ID, name: 'Sandbox generic ERP', type: 'genericErpApi', data: { baseUrl: erpUrl, authType: 'none' } };
}

/**
 * Our receiver: with the Idempotent Invoice Post node once it is built, until then Dedupe Check around n8n's
 * HTTP Request with a lookup before each post (the same guarantees, spelled out in nodes).
 */
export function oursFixture(): WorkflowFixture {
	const postNode = `${PACKAGE_NAME}.idempotentInvoicePost`;
	return packageNodeTypes().includes(postNode) ? 'dedupe-check-invoice-post' : 'dedupe-check-http-request';
}

export interface WorkflowJson {
	id: string;
	name: string;
	nodes: Array<{ type: string; name: string; parameters: Record<string, unknown> }>;
	[key: string]: unknown;
}

/**
 * A fixture with its placeholders filled: `__PATH__` (webhook path, also the workflow's identity),
 * `__ERP_URL__` (the sandbox ERP's base URL) and any extra `__NAME__` given in `values`.
 */
export function loadWorkflow(fixture: WorkflowFixture, webhookPath: string, erpUrl: string, values: Record<string, string> = {}): WorkflowJson {
	const raw = fs.readFileSync(path.join(WORKFLOWS_DIR, `${fixture}.workflow.json`), 'utf8');
	const replacements: Record<string, string> = {
		__PATH__: webhookPath,
		__ERP_URL__: erpUrl,
		__WEBHOOK_ID__: uuidFrom(`${webhookPath}:webhook`),
		__LEDGER_WEBHOOK_ID__: uuidFrom(`${webhookPath}:ledger`),
		__CREDENTIAL_ID__: SANDBOX_CREDENTIAL_ID,
		...values,
	};
	let text = raw;
	for (const [placeholder, value] of Object.entries(replacements)) text = text.split(placeholder).join(value);
	const workflow = JSON.parse(text) as WorkflowJson;
	// Two workflows from one fixture in one n8n need their own ids; the path makes them stable.
	workflow.id = crypto.createHash('sha256').update(`workflow:${webhookPath}`).digest('hex').slice(0, 16);
	return workflow;
}

function uuidFrom(seed: string): string {
	const hex = crypto.createHash('sha256').update(seed).digest('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * n8n loads a community package only when every file its package.json lists exists. While some nodes are
 * still unbuilt, link a stand-in package root that lists only what dist has (dist itself is symlinked, so
 * its requires still resolve from the repo's node_modules). Returns the repo root once everything is built.
 */
export interface PackageRoot {
	root: string;
	partial: boolean;
	dispose(): void;
}

/** Builds the package, then decides what n8n can load (what is built decides which fixture is ours). */
export async function preparePackage(log?: (line: string) => void): Promise<PackageRoot> {
	await buildPackage({ log });
	return loadablePackageRoot();
}

export function loadablePackageRoot(): PackageRoot {
	const missing = missingPackageFiles();
	if (missing.length === 0) return { root: REPO_ROOT, partial: false, dispose: () => undefined };
	const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
		version: string;
		n8n: { n8nNodesApiVersion: number; nodes: string[]; credentials: string[] };
	};
	const built = (files: string[]) => files.filter((file) => !missing.includes(file));
	const root = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-nodes-partial-'));
	fs.writeFileSync(
		path.join(root, 'package.json'),
		JSON.stringify({
			name: PACKAGE_NAME,
			version: manifest.version,
			main: 'index.js',
			n8n: { ...manifest.n8n, nodes: built(manifest.n8n.nodes), credentials: built(manifest.n8n.credentials) },
		}),
	);
	fs.writeFileSync(path.join(root, 'index.js'), '');
	fs.symlinkSync(path.join(REPO_ROOT, 'dist'), path.join(root, 'dist'), 'dir');
	return { root, partial: true, dispose: () => fs.rmSync(root, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------- senders

export interface Delivery {
	/** Final HTTP status (0: no answer at all, e.g. n8n down). */
	status: number;
	body: unknown;
	attempts: number;
	/** The reference of the invoice delivered, when the body carried one. */
	reference?: string;
}

export interface DeliverOptions {
	/** Attempts in all, first included (a robot gives up eventually). */
	maxAttempts?: number;
	/** Wait between attempts, ms (a little jitter is added so retries do not march in step). */
	retryDelayMs?: number;
	/** Stop retrying when this returns true (e.g. the test killed n8n on purpose). */
	giveUp?: () => boolean;
	/** Extra request headers, e.g. the header a webhook's Header Auth credential expects. */
	headers?: Record<string, string>;
}

/** POSTs one delivery; retries on 5xx and on no answer, like a sender that wants a 2xx. */
export async function deliver(url: string, body: unknown, options: DeliverOptions = {}): Promise<Delivery> {
	const { maxAttempts = 30, retryDelayMs = 500, giveUp, headers = {} } = options;
	const reference = (body as { reference?: unknown } | undefined)?.reference;
	const sent = typeof reference === 'string' ? { reference } : {};
	let last: Delivery = { status: 0, body: undefined, attempts: 0, ...sent };
	for (let attempt = 1; attempt <= maxAttempts; attempt++) {
		last = { ...(await postOnce(url, body, headers)), attempts: attempt, ...sent };
		if (last.status > 0 && last.status < 500) return last;
		if (giveUp?.()) return last;
		await pause(retryDelayMs + Math.floor(Math.random() * retryDelayMs));
	}
	return last;
}

async function postOnce(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
	try {
		const response = await fetch(url, {
			method: 'POST',
			headers: { ...headers, 'content-type': 'application/json' },
			body: JSON.stringify(body),
			signal: AbortSignal.timeout(120_000),
		});
		const text = await response.text();
		return { status: response.status, body: parseMaybeJson(text) };
	} catch {
		return { status: 0, body: undefined };
	}
}

export async function getJson(url: string): Promise<{ status: number; body: unknown }> {
	const response = await fetch(url, { signal: AbortSignal.timeout(60_000) });
	return { status: response.status, body: parseMaybeJson(await response.text()) };
}

function parseMaybeJson(text: string): unknown {
	if (text === '') return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return text;
	}
}

/** Runs `work` over every input with at most `concurrency` at once; results in input order. */
export async function inParallel<T, R>(inputs: T[], concurrency: number, work: (input: T, index: number) => Promise<R>): Promise<R[]> {
	const results = new Array<R>(inputs.length);
	let next = 0;
	const lanes = Array.from({ length: Math.min(concurrency, inputs.length) }, async () => {
		while (next < inputs.length) {
			const index = next++;
			results[index] = await work(inputs[index], index);
		}
	});
	await Promise.all(lanes);
	return results;
}

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- invoices and counts

export interface DeliveredInvoice {
	idempotencyKey: string;
	reference: string;
	invoiceNumber: string;
	invoiceDate: string;
	currency: string;
	amount: number;
	customerId: string;
}

/** Invoice `n` of a run: key and reference carry the run id, so runs never collide in one sandbox. */
export function invoice(runId: string, n: number): DeliveredInvoice {
	const invoiceNumber = `INV-${String(n).padStart(5, '0')}`;
	return {
		idempotencyKey: `${runId}-${invoiceNumber}`,
		reference: `${runId}-${invoiceNumber}`,
		invoiceNumber,
		invoiceDate: '2026-11-24',
		currency: 'EUR',
		amount: 100 + n,
		customerId: 'C-042',
	};
}

export interface ErpCount {
	sent: number;
	/** Invoices of this run the ERP holds, duplicates included. */
	inErp: number;
	/** Invoices stored more than once (extra copies). */
	duplicates: number;
	/** Sent invoices the ERP does not hold at all. */
	missing: number;
}

/** What the ERP's ground truth says about these references. */
export function countInErp(sandbox: Sandbox, erp: SandboxErp, references: string[]): ErpCount {
	const { countByReference } = sandbox.truth(erp);
	let inErp = 0;
	let duplicates = 0;
	let missing = 0;
	for (const reference of new Set(references)) {
		const count = countByReference[reference] ?? 0;
		inErp += count;
		if (count === 0) missing += 1;
		else duplicates += count - 1;
	}
	return { sent: new Set(references).size, inErp, duplicates, missing };
}

/** The invoice ids the senders were told, distinct. */
export function invoiceIdsAnswered(deliveries: Delivery[]): string[] {
	const ids = deliveries.map((delivery) => (delivery.body as { invoiceId?: unknown } | undefined)?.invoiceId).filter((id) => id !== undefined);
	return [...new Set(ids.map(String))];
}

export function statusHistogram(deliveries: Delivery[]): Record<string, number> {
	const histogram: Record<string, number> = {};
	for (const { status } of deliveries) histogram[status] = (histogram[status] ?? 0) + 1;
	return histogram;
}
