// What the template tests share: the templates as files, credentials that point at the sandbox under
// the templates' own placeholder names, and a real n8n with all of it imported (not published).
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

import {
	type N8nInstance,
	type RuntimeVersion,
	type Session,
	REPO_ROOT,
	createOwner,
	startN8n,
} from '../../e2e/lib/runtime';
import { startSandbox, type Sandbox } from '../../sandbox';
import { sandboxCredentialData, type TemplateNode } from '../../e2e/demo/templates';

export const TEMPLATES_DIR = path.join(REPO_ROOT, 'templates');
export const PACKAGE_PREFIX = 'n8n-nodes-idempotent-invoice.';
export const OUR_NODE_TYPES = ['dedupeCheck', 'batchSplitter', 'idempotentInvoicePost', 'verifyByReference'].map(
	(name) => `${PACKAGE_PREFIX}${name}`,
);
/** Not secret: the owner exists only in a temporary user folder on loopback. */
export const OWNER = { email: 'owner@example.test', password: 'Templates-e2e-1' };

export interface Template {
	file: string;
	/** Assigned here (the files carry none, like any shared template): stable, so tests can address it. */
	id: string;
	name: string;
	nodes: TemplateNode[];
	connections: Record<string, unknown>;
}

export function loadTemplates(): Template[] {
	return fs
		.readdirSync(TEMPLATES_DIR)
		.filter((file) => file.endsWith('.json'))
		.sort()
		.map((file) => {
			const workflow = JSON.parse(fs.readFileSync(path.join(TEMPLATES_DIR, file), 'utf8')) as Omit<Template, 'file' | 'id'>;
			const id = createHash('sha256').update(file).digest('hex').slice(0, 16);
			return { ...workflow, file, id };
		});
}

/** Every credential a template asks the user to pick: type and placeholder name. */
export function credentialPlaceholders(templates: Template[]): Array<{ type: string; name: string }> {
	const seen = new Map<string, { type: string; name: string }>();
	for (const node of templates.flatMap((template) => template.nodes)) {
		for (const [type, reference] of Object.entries(node.credentials ?? {})) seen.set(`${type}/${reference.name}`, { type, name: reference.name });
	}
	return [...seen.values()];
}

/** One credential per placeholder, named exactly like it: n8n's import binds a template's `{id: null, name}` by name and type. */
export function sandboxCredentials(templates: Template[], sandbox: Sandbox): Array<{ id: string; name: string; type: string; data: Record<string, unknown> }> {
	return credentialPlaceholders(templates).map(({ type, name }) => ({
		id: createHash('sha256').update(`${type}/${name}`).digest('hex').slice(0, 16),
		name,
		type,
		data: sandboxCredentialData(type, sandbox),
	}));
}

export interface TemplatesInN8n {
	n8n: N8nInstance;
	sandbox: Sandbox;
	session: Session;
	templates: Template[];
	credentials: ReturnType<typeof sandboxCredentials>;
	/** Stops n8n and the sandbox; keeps n8n's user folder (log) when asked to, for a failed run. */
	stop(keepLog: boolean): Promise<void>;
}

/** The sandbox and a real n8n with every template and its credentials imported (nothing published), logged in as the owner. */
export async function startN8nWithTemplates(version: RuntimeVersion): Promise<TemplatesInN8n> {
	const templates = loadTemplates();
	const sandbox = await startSandbox();
	let n8n: N8nInstance | undefined;
	try {
		const credentials = sandboxCredentials(templates, sandbox);
		const workflows = templates.map(({ file: _file, ...workflow }) => workflow);
		n8n = await startN8n({ version, workflows, credentials, activate: false });
		await waitForRestApi(n8n.baseUrl);
		const session = await createOwner(n8n.baseUrl, OWNER);
		const started = n8n;
		return {
			n8n: started,
			sandbox,
			session,
			templates,
			credentials,
			stop: async (keepLog) => {
				try {
					await (keepLog ? started.stop() : started.dispose());
				} finally {
					await sandbox.stop();
				}
			},
		};
	} catch (error) {
		await n8n?.stop();
		await sandbox.stop();
		throw error;
	}
}

/** n8n 2.8 answers /healthz/readiness some 15 s before its REST routes exist (measured): wait for them. */
async function waitForRestApi(baseUrl: string): Promise<void> {
	const deadline = Date.now() + 120_000;
	while ((await fetch(`${baseUrl}/rest/settings`)).status === 404) {
		if (Date.now() > deadline) throw new Error(`n8n at ${baseUrl} did not serve its REST API within 120 s of being ready`);
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

export interface RestAnswer {
	status: number;
	body: unknown;
}

/** A REST call as the logged-in owner; n8n's answers wrap their payload in `data`. */
export async function rest(instance: N8nInstance, session: Session, method: string, route: string, body?: unknown): Promise<RestAnswer> {
	const response = await fetch(`${instance.baseUrl}/rest/${route}`, {
		method,
		headers: { ...session.headers, 'content-type': 'application/json' },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	const text = await response.text();
	let parsed: unknown = text;
	try {
		parsed = text ? JSON.parse(text) : undefined;
	} catch {
		// Not JSON: keep the text, it names the problem.
	}
	return { status: response.status, body: parsed };
}

export function dataOf<T>(answer: RestAnswer): T {
	return (answer.body as { data: T }).data;
}

/** Publishes the workflow's current version as the editor's "Publish" does: n8n validates every node first, then activates its triggers. */
export async function publishWorkflow(instance: N8nInstance, session: Session, workflowId: string): Promise<RestAnswer> {
	const current = await rest(instance, session, 'GET', `workflows/${workflowId}`);
	if (current.status !== 200) return current;
	const { versionId } = dataOf<{ versionId: string }>(current);
	return await rest(instance, session, 'POST', `workflows/${workflowId}/activate`, { versionId });
}
