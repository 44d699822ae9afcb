// The demo runs each seed's template from templates/ through a copy made in memory. A user imports the
// file itself, so the copy must leave the file alone and change only trigger, sample data and credential
// (plus the demo's own answer nodes), or the demo would prove something about another workflow.
import * as fs from 'fs';
import * as path from 'path';

import { SEED_TEMPLATES, TEMPLATES_DIR, demoCopyOf, demoWebhookPath } from '../../e2e/demo/templates';

interface Node {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	credentials?: Record<string, { id: string | null; name: string }>;
}
type Connections = Record<string, { main: Array<Array<{ node: string; index: number }>> }>;

const TRIGGERS = ['n8n-nodes-base.scheduleTrigger', 'n8n-nodes-base.manualTrigger'];

describe.each(SEED_TEMPLATES.map((template) => [template.file, template] as const))('the demo copy of %s', (file, template) => {
	const onDisk = () => fs.readFileSync(path.join(TEMPLATES_DIR, file), 'utf8');
	const before = onDisk();
	const original = JSON.parse(before) as { nodes: Node[]; connections: Connections };
	const copy = demoCopyOf(template, 'demoCredential01') as unknown as { id: string; nodes: Node[]; connections: Connections };
	const byName = (nodes: Node[]) => new Map(nodes.map((node) => [node.name, node]));

	test('leaves the file as it was', () => {
		expect(onDisk()).toBe(before);
	});

	test("binds the template's credential to the sandbox one, keeping its name", () => {
		const posts = copy.nodes.filter((node) => node.type === 'n8n-nodes-idempotent-invoice.idempotentInvoicePost');
		expect(posts.length).toBeGreaterThan(0);
		for (const post of posts) {
			expect(post.credentials?.[template.credentialType]).toEqual({ id: 'demoCredential01', name: original.nodes.find((node) => node.name === post.name)!.credentials![template.credentialType].name });
		}
	});

	test('keeps every other node of the template and its parameters, and every connection', () => {
		const copied = byName(copy.nodes);
		const triggers = new Set(original.nodes.filter((node) => TRIGGERS.includes(node.type)).map((node) => node.name));
		const fedByTrigger = new Set([...triggers].flatMap((name) => original.connections[name].main.flat().map((target) => target.node)));
		for (const node of original.nodes) {
			if (triggers.has(node.name)) {
				expect(copied.has(node.name)).toBe(false);
				continue;
			}
			const parameters = fedByTrigger.has(node.name) ? { ...node.parameters, jsCode: copied.get(node.name)?.parameters.jsCode } : node.parameters;
			expect({ name: node.name, type: copied.get(node.name)?.type, parameters: copied.get(node.name)?.parameters }).toEqual({ name: node.name, type: node.type, parameters });
		}
		for (const [source, { main }] of Object.entries(original.connections)) {
			if (triggers.has(source)) continue;
			main.forEach((targets, output) => expect(copy.connections[source].main[output]).toEqual(expect.arrayContaining(targets)));
		}
	});

	test('is started by a webhook the demo posts to, whose invoices the sample node returns', () => {
		const webhooks = copy.nodes.filter((node) => node.type === 'n8n-nodes-base.webhook');
		expect(webhooks.map((node) => node.parameters.path)).toEqual([demoWebhookPath(template)]);
		expect(copy.nodes.filter((node) => TRIGGERS.includes(node.type))).toEqual([]);
		const sample = original.nodes.find((node) => node.type === 'n8n-nodes-base.code');
		if (sample) expect(byName(copy.nodes).get(sample.name)?.parameters.jsCode).toContain('body.invoices');
	});
});
