/**
 * Each node as an AI agent's tool, run the way n8n runs one. n8n derives `<node>Tool` from a node
 * that declares `usableAsTool` (no inputs, one `ai_tool` output, same `execute`); an agent node gets
 * it through `getInputConnectionData` (n8n-core's createNodeAsTool + makeHandleToolInvocation),
 * calls it with the arguments its `$fromAI()` parameters declare, and receives
 * `JSON.stringify(<the node's FIRST output>.map(item => item.json))`. The stand-in agent below
 * records exactly that string: what a model would read.
 */
import { deepCopy, NodeConnectionTypes } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INode, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { deriveReference } from '../../nodes/shared/items';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { BatchSplitter } from '../../nodes/BatchSplitter/BatchSplitter.node';
import { DedupeCheck } from '../../nodes/DedupeCheck/DedupeCheck.node';
import { IdempotentInvoicePost } from '../../nodes/IdempotentInvoicePost/IdempotentInvoicePost.node';
import { VerifyByReference } from '../../nodes/VerifyByReference/VerifyByReference.node';
import { PACKAGE, START, TestCredentialsHelper, registerNodeType, runWorkflow, type WorkflowJson } from '../helpers/n8n-harness';

/** What n8n's loader does to a `usableAsTool` node (packages/cli …/ai-tools: convertNodeToAiTool). */
function toolVariant(node: INodeType): INodeType {
	const description = deepCopy(node.description) as INodeTypeDescription;
	description.name += 'Tool';
	description.displayName += ' Tool';
	description.inputs = [];
	description.outputs = [NodeConnectionTypes.AiTool];
	delete description.usableAsTool;
	return { description, execute: node.execute };
}

interface Call {
	tool: string;
	args: IDataObject;
}
let calls: Call[] = [];

/** Stands in for n8n's AI Agent: takes its connected tools as n8n supplies them and calls each as the model asked. */
class TestAgent implements INodeType {
	description = {
		displayName: 'Test Agent',
		name: 'testAgent',
		group: ['transform'],
		version: 1,
		description: 'Calls its tools',
		defaults: { name: 'Agent' },
		inputs: [NodeConnectionTypes.Main, { type: NodeConnectionTypes.AiTool, displayName: 'Tools' }],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	} as unknown as INodeTypeDescription;

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const tools = (await this.getInputConnectionData(NodeConnectionTypes.AiTool, 0)) as Array<{
			metadata?: { sourceNodeName?: string };
			invoke(args: IDataObject): Promise<string>;
		}>;
		const out: INodeExecutionData[] = [];
		for (const call of calls) {
			const tool = tools.find((candidate) => candidate.metadata?.sourceNodeName === call.tool);
			if (!tool) throw new Error(`no tool ${call.tool}`);
			try {
				const received = await tool.invoke(call.args);
				out.push({ json: { tool: call.tool, received: JSON.parse(received) as IDataObject[] } });
			} catch (error) {
				out.push({ json: { tool: call.tool, error: (error as Error).message } });
			}
		}
		return [out];
	}
}

registerNodeType('test.agent', new TestAgent());
for (const node of [new DedupeCheck(), new IdempotentInvoicePost(), new VerifyByReference()]) {
	registerNodeType(`${PACKAGE}.${node.description.name}Tool`, toolVariant(node));
}

/** Start → Agent, with each tool node connected to the agent's tool input. */
function agentWorkflow(tools: Array<Pick<INode, 'name' | 'type' | 'parameters' | 'credentials'>>): WorkflowJson {
	const nodes: INode[] = [
		{ id: 'start', name: START, type: 'test.noOp', typeVersion: 1, position: [0, 0], parameters: {} },
		{ id: 'agent', name: 'Agent', type: 'test.agent', typeVersion: 1, position: [200, 0], parameters: {} },
		...tools.map((tool, index) => ({ typeVersion: 1, position: [200, 200 * (index + 1)] as [number, number], id: `t${index}`, ...tool })),
	];
	const connections: WorkflowJson['connections'] = { [START]: { main: [[{ node: 'Agent', type: NodeConnectionTypes.Main, index: 0 }]] } };
	for (const tool of tools) connections[tool.name] = { ai_tool: [[{ node: 'Agent', type: NodeConnectionTypes.AiTool, index: 0 }]] };
	return { nodes, connections };
}

const fromAi = (key: string, type = 'string') => `={{ $fromAI('${key}', 'The ${key}', '${type}') }}`;

/** What the agent read from each call: the tool's answer (the items' JSON), or the error it was given. */
async function agentReads(workflow: WorkflowJson, toolCalls: Call[], credentials?: TestCredentialsHelper) {
	calls = toolCalls;
	const run = await runWorkflow({ workflow, input: [{}], ...(credentials ? { credentials } : {}) });
	expect(run.error).toBeUndefined();
	return run.outputs('Agent')[0].map((item) => item.json as { tool: string; received?: IDataObject[]; error?: string });
}

const outcomeOf = (received: IDataObject[] | undefined) =>
	(received ?? []).map((json) => {
		const idempotency = json.idempotency as IDataObject;
		return { output: idempotency.output, outcome: idempotency.outcome, ...(idempotency.error ? { error: idempotency.error } : {}) };
	});

describe('an AI agent using the nodes as tools receives every outcome, not only the first output', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['generic'], seed: 7 });
	});
	afterAll(async () => await sandbox?.stop());
	beforeEach(() => {
		clearRegistry();
		sandbox.reset('generic');
	});
	const credentials = () => new TestCredentialsHelper({ genericErpApi: { baseUrl: sandbox.urls.generic, authType: 'none' } });
	const erp = { genericErpApi: { id: 'cred-generic', name: 'Generic' } };

	test('Dedupe Check: New, then In Progress, then (after Mark Posted) Duplicate — and a changed payload Conflict', async () => {
		const key = { idempotencyKey: fromAi('invoiceKey') };
		const workflow = agentWorkflow([
			{ name: 'Check', type: `${PACKAGE}.dedupeCheckTool`, parameters: { operation: 'checkAndReserve', ...key, fingerprint: fromAi('amount', 'number') } },
			{ name: 'Posted', type: `${PACKAGE}.dedupeCheckTool`, parameters: { operation: 'markPosted', ...key } },
		]);

		const read = await agentReads(workflow, [
			{ tool: 'Check', args: { invoiceKey: 'INV-1', amount: 10 } },
			{ tool: 'Check', args: { invoiceKey: 'INV-1', amount: 10 } },
			{ tool: 'Posted', args: { invoiceKey: 'INV-1' } },
			{ tool: 'Check', args: { invoiceKey: 'INV-1', amount: 10 } },
			{ tool: 'Check', args: { invoiceKey: 'INV-1', amount: 99 } },
		]);

		expect(read.map((call) => outcomeOf(call.received).map((answer) => answer.output))).toEqual([
			['New'],
			['In Progress'],
			[undefined],
			['Duplicate'],
			['Conflict'],
		]);
		expect(read[1].received?.[0]).toMatchObject({ idempotency: { key: 'INV-1', state: 'PENDING', outcome: 'inProgress' } });
	});

	test('Dedupe Check: Purge and Release are not offered to an agent, and a tool set to them runs nothing', async () => {
		const operation = new DedupeCheck().description.properties.find((property) => property.name === 'operation');
		const hidden = (operation?.options as Array<{ value: string; displayOptions?: IDataObject }>).filter((option) => option.displayOptions);
		expect(hidden.map((option) => [option.value, option.displayOptions])).toEqual([
			['purge', { hide: { '@tool': [true] } }],
			['release', { hide: { '@tool': [true] } }],
		]);

		const workflow = agentWorkflow([
			{ name: 'Check', type: `${PACKAGE}.dedupeCheckTool`, parameters: { operation: 'checkAndReserve', idempotencyKey: fromAi('invoiceKey') } },
			{ name: 'Purge', type: `${PACKAGE}.dedupeCheckTool`, parameters: { operation: 'purge', options: { states: ['PENDING'] } } },
		]);
		const read = await agentReads(workflow, [
			{ tool: 'Check', args: { invoiceKey: 'INV-2' } },
			{ tool: 'Purge', args: {} },
			{ tool: 'Check', args: { invoiceKey: 'INV-2' } },
		]);

		expect(read[1].error).toMatch(/not available to an AI agent/);
		// The reservation survived: the second check still sees it.
		expect(outcomeOf(read[2].received).map((answer) => answer.output)).toEqual(['In Progress']);
	});

	test('Idempotent Invoice Post with fields mapped to $fromAI(): Posted, Already Existed, and Failed with the reason', async () => {
		const invoiceFields = {
			invoiceNumber: fromAi('invoiceNumber'),
			invoiceDate: fromAi('invoiceDate'),
			currency: fromAi('currency'),
			amount: fromAi('amount', 'number'),
			customerId: fromAi('customerId'),
		};
		const workflow = agentWorkflow([
			{
				name: 'Post',
				type: `${PACKAGE}.idempotentInvoicePostTool`,
				parameters: { erp: 'genericRest', idempotencyKey: fromAi('invoiceKey'), invoiceFields, options: { initialDelayMs: 20, maxDelayMs: 200 } },
				credentials: erp,
			},
			{
				name: 'Verify',
				type: `${PACKAGE}.verifyByReferenceTool`,
				parameters: { erp: 'genericRest', operation: 'verify', idempotencyKey: '', reference: fromAi('reference') },
				credentials: erp,
			},
		]);
		const invoice = { invoiceKey: 'AGENT-1', invoiceNumber: 'A-1', invoiceDate: '2026-11-24', currency: 'EUR', amount: 120.5, customerId: 'C-1' };

		const read = await agentReads(
			workflow,
			[
				{ tool: 'Post', args: invoice },
				{ tool: 'Post', args: invoice },
				{ tool: 'Post', args: { ...invoice, invoiceKey: 'AGENT-2', amount: 12.345 } },
				{ tool: 'Verify', args: { reference: deriveReference('AGENT-1') } },
				{ tool: 'Verify', args: { reference: deriveReference('AGENT-2') } },
			],
			credentials(),
		);

		const answers = read.map((call) => outcomeOf(call.received));
		expect(answers[0]).toEqual([{ output: 'Posted', outcome: 'created' }]);
		expect(answers[1]).toEqual([expect.objectContaining({ output: 'Already Existed' })]);
		expect(answers[2]).toEqual([
			{ output: 'Failed', outcome: expect.any(String), error: 'Amount has 3 decimals (12.345); EUR allows 2 [item 0]' },
		]);
		expect(answers[3]).toEqual([{ output: 'Found', outcome: 'found' }]);
		expect(answers[4]).toEqual([{ output: 'Not Found', outcome: 'notFound' }]);
		// The ERP holds the one invoice the agent posted, once.
		expect(sandbox.truth('generic').invoices.map((row) => row.reference)).toEqual([deriveReference('AGENT-1')]);
	});

	test('Batch Splitter is not offered as a tool', () => {
		expect(new BatchSplitter().description.usableAsTool).toBeUndefined();
		for (const node of [new DedupeCheck(), new IdempotentInvoicePost(), new VerifyByReference()]) expect(node.description.usableAsTool).toBe(true);
	});
});
