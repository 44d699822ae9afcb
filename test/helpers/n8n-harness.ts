/**
 * Runs workflow JSON through n8n-core's real WorkflowExecute (the engine n8n itself runs), with our
 * node types, credentials resolved and applied the way n8n's CredentialsHelper does it, and a
 * static-data object per execution — so tests exercise nodes as n8n runs them, not a mocked `execute`.
 */
import { readdirSync } from 'fs';
import path from 'path';

import { Container } from '@n8n/di';
import { mock } from 'jest-mock-extended';
import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import { SSHClientsManager } from 'n8n-core/dist/execution-engine/ssh-clients-manager';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INode,
	INodeCredentialsDetails,
	INodeExecutionData,
	INodeType,
	INodeTypes,
	IRun,
	IRunExecutionData,
	ITriggerFunctions,
	ITriggerResponse,
	IWorkflowExecuteAdditionalData,
	IConnections,
	WorkflowExecuteMode,
	NodeExecutionHint,
} from 'n8n-workflow';
import { createDeferredPromise, ICredentialsHelper, NodeConnectionTypes, Workflow } from 'n8n-workflow';

export const PACKAGE = 'n8n-nodes-idempotent-invoice';
export const START = 'Start';

// The first node n8n-core runs starts its SSH tunnel manager, and with it a 60 s cleanup interval that
// n8n clears when it shuts down. So does every suite that runs workflows, or its jest worker never exits.
// The bench loads this harness outside Jest (no afterAll) and ends its process itself.
let ranWorkflow = false;
if (typeof afterAll === 'function') {
	afterAll(() => {
		if (ranWorkflow) Container.get(SSHClientsManager).onShutdown();
	});
}

/** Stands in for a trigger (Webhook, Schedule…): its output is the items the test delivers. */
class TestTrigger implements INodeType {
	description = {
		displayName: 'Test Trigger',
		name: 'testTrigger',
		group: ['trigger'],
		version: 1,
		description: 'Delivers the test input',
		defaults: { name: START },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	} as INodeType['description'];

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		return {};
	}
}

/** Stands in for a plain pass-through node (e.g. a review branch, Respond to Webhook). */
class TestNoOp implements INodeType {
	description = {
		displayName: 'Test No Op',
		name: 'testNoOp',
		group: ['transform'],
		version: 1,
		description: 'Passes items on',
		defaults: { name: 'No Op' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		properties: [],
	} as INodeType['description'];

	async execute(this: import('n8n-workflow').IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

/** Our nodes by folder: loaded on first use, so a test needs only the nodes its workflow has. */
const packageNodes: Record<string, string> = {
	dedupeCheck: 'DedupeCheck',
	batchSplitter: 'BatchSplitter',
	idempotentInvoicePost: 'IdempotentInvoicePost',
	verifyByReference: 'VerifyByReference',
};
const nodeClasses: Record<string, INodeType> = { 'test.trigger': new TestTrigger(), 'test.noOp': new TestNoOp() };

/** Adds a node type for one test (e.g. a stand-in AI agent, or the tool variant n8n derives from a node). */
export function registerNodeType(type: string, nodeType: INodeType): void {
	nodeClasses[type] = nodeType;
}

export const nodeTypes: INodeTypes = {
	getByName: (type: string) => lookupType(type),
	getByNameAndVersion: (type: string) => lookupType(type),
	getKnownTypes: () => ({}),
};

function lookupType(type: string): INodeType {
	const folder = packageNodes[type.replace(`${PACKAGE}.`, '')];
	if (!nodeClasses[type] && folder && type.startsWith(PACKAGE)) {
		const exported = require(`../../nodes/${folder}/${folder}.node`) as Record<string, new () => INodeType>;
		nodeClasses[type] = new exported[folder]();
	}
	const found = nodeClasses[type];
	if (!found) throw new Error(`Unknown node type in test workflow: ${type}`);
	return found;
}

// ---------------------------------------------------------------- credentials

/** Every credential class of the package, by type name (loaded from credentials/). */
export function credentialTypes(): Map<string, ICredentialType> {
	const types = new Map<string, ICredentialType>();
	const dir = path.resolve(__dirname, '../../credentials');
	for (const file of readdirSync(dir).filter((name) => name.endsWith('.credentials.ts'))) {
		const exported = require(path.join(dir, file)) as Record<string, new () => ICredentialType>;
		for (const Class of Object.values(exported)) {
			if (typeof Class !== 'function') continue;
			const instance = new Class();
			types.set(instance.name, instance);
		}
	}
	return types;
}

/** Evaluates n8n-style `={{ … }}` templates against `$credentials`/`$self` (credential defaults, authenticate). */
export function resolveTemplate(value: unknown, data: IDataObject): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const template = value.slice(1);
	const evaluate = (expression: string) =>
		// eslint-disable-next-line @typescript-eslint/no-implied-eval
		new Function('$credentials', '$self', `return (${expression});`)(data, data) as unknown;
	const whole = /^\{\{([\s\S]*)\}\}$/.exec(template.trim());
	if (whole && !whole[1].includes('}}')) return evaluate(whole[1]);
	return template.replace(/\{\{([\s\S]*?)\}\}/g, (_, expression: string) => String(evaluate(expression) ?? ''));
}

function resolveDeep<T>(value: T, data: IDataObject): T {
	if (Array.isArray(value)) return value.map((entry) => resolveDeep(entry, data)) as T;
	if (value && typeof value === 'object') {
		const out: IDataObject = {};
		for (const [key, entry] of Object.entries(value)) out[key] = resolveDeep(entry, data) as IDataObject[string];
		return out as T;
	}
	return resolveTemplate(value, data) as T;
}

/** n8n's oAuth2Api parent defaults that its CredentialsHelper applies before ours. */
const OAUTH2_DEFAULTS: IDataObject = { authentication: 'header', ignoreSSLIssues: false, scope: '' };

export class TestCredentialsHelper extends ICredentialsHelper {
	readonly types = credentialTypes();
	/** Stored credential data by type (what n8n keeps encrypted in its database). */
	readonly stored = new Map<string, ICredentialDataDecryptedObject>();
	preAuthentications = 0;

	constructor(credentials: Record<string, ICredentialDataDecryptedObject> = {}) {
		super();
		for (const [type, data] of Object.entries(credentials)) this.stored.set(type, { ...data });
	}

	getParentTypes(name: string): string[] {
		const type = this.types.get(name);
		const parents = type?.extends ?? [];
		return [...parents, ...parents.flatMap((parent) => this.getParentTypes(parent))];
	}

	/** Defaults of the type's properties + stored data, with expression properties resolved (as n8n does). */
	decrypted(type: string): ICredentialDataDecryptedObject {
		const definition = this.types.get(type);
		const data: IDataObject = this.getParentTypes(type).includes('oAuth2Api') ? { ...OAUTH2_DEFAULTS } : {};
		for (const property of definition?.properties ?? []) data[property.name] = property.default as IDataObject[string];
		Object.assign(data, this.stored.get(type) ?? {});
		for (const [key, value] of Object.entries(data)) data[key] = resolveTemplate(value, data) as IDataObject[string];
		return data as ICredentialDataDecryptedObject;
	}

	async getDecrypted(_additionalData: IWorkflowExecuteAdditionalData, _details: INodeCredentialsDetails, type: string) {
		return this.decrypted(type);
	}

	async authenticate(credentials: ICredentialDataDecryptedObject, typeName: string, request: IHttpRequestOptions) {
		const authenticate = this.types.get(typeName)?.authenticate;
		if (!authenticate) return request;
		if (typeof authenticate === 'function') return await authenticate(credentials, request);
		const properties = resolveDeep(authenticate.properties, credentials as IDataObject);
		return {
			...request,
			headers: { ...(request.headers ?? {}), ...(properties.headers ?? {}) },
			qs: { ...(request.qs ?? {}), ...(properties.qs ?? {}) },
			...(properties.body ? { body: { ...((request.body as IDataObject) ?? {}), ...properties.body } } : {}),
			...(properties.auth ? { auth: properties.auth as IHttpRequestOptions['auth'] } : {}),
		};
	}

	/** As n8n: run the type's preAuthentication when its expirable field is empty or the token expired. */
	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		_node: INode,
		credentialsExpired: boolean,
	) {
		const definition = this.types.get(typeName);
		if (!definition?.preAuthentication) return undefined;
		const expirable = definition.properties.find((property) => property.typeOptions?.expirable === true);
		if (!expirable) return undefined;
		if (!credentialsExpired && credentials[expirable.name] !== '' && credentials[expirable.name] !== undefined) return undefined;
		this.preAuthentications++;
		const output = await definition.preAuthentication.call(helpers, credentials);
		this.stored.set(typeName, { ...(this.stored.get(typeName) ?? {}), ...output } as ICredentialDataDecryptedObject);
		return output as ICredentialDataDecryptedObject;
	}

	async runPreAuthentication() {
		return undefined;
	}

	getCredentialsProperties(type: string) {
		return this.types.get(type)?.properties ?? [];
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used in tests');
	}

	async updateCredentials(_details: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject) {
		this.stored.set(type, { ...data });
	}

	async updateCredentialsOauthTokenData(_details: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject) {
		this.stored.set(type, { ...(this.stored.get(type) ?? {}), oauthTokenData: data.oauthTokenData });
	}
}

// ---------------------------------------------------------------- running workflows

export interface WorkflowJson {
	id?: string;
	name?: string;
	nodes: INode[];
	connections: IConnections;
	settings?: IDataObject;
}

export interface RunOptions {
	workflow: WorkflowJson;
	/** The items the trigger delivers. */
	input: IDataObject[];
	/** This execution's own copy of the workflow's static data (n8n loads one per execution). */
	staticData?: IDataObject;
	credentials?: TestCredentialsHelper;
	mode?: WorkflowExecuteMode;
}

export interface RunResult {
	run: IRun;
	/** The static data as n8n serialised it when the execution ended. */
	staticData: IDataObject;
	/** Whether n8n would save it (it saves only changed static data). */
	staticDataChanged: boolean;
	/** Items per output of a node (first run). */
	outputs(nodeName: string): INodeExecutionData[][];
	hints(nodeName: string): NodeExecutionHint[];
	error?: string;
}

export async function runWorkflow(options: RunOptions): Promise<RunResult> {
	const mode = options.mode ?? 'trigger';
	ranWorkflow = true;
	const workflow = new Workflow({
		id: options.workflow.id ?? 'wf-test',
		name: options.workflow.name ?? 'test',
		nodes: options.workflow.nodes,
		connections: options.workflow.connections,
		nodeTypes,
		staticData: structuredClone(options.staticData ?? {}),
		settings: options.workflow.settings ?? { executionOrder: 'v1' },
		active: true,
	});
	const hooks = new ExecutionLifecycleHooks(mode, 'test-execution', mock());
	const done = createDeferredPromise<IRun>();
	// n8n saves static data in this hook, only when it changed: serialise it at that very moment.
	let saved: { staticData: IDataObject; changed: boolean } = { staticData: {}, changed: false };
	hooks.addHandler('workflowExecuteAfter', (fullRunData) => {
		const changed = (workflow.staticData as IDataObject & { __dataChanged?: boolean }).__dataChanged === true;
		saved = { staticData: JSON.parse(JSON.stringify(workflow.staticData)) as IDataObject, changed };
		done.resolve(fullRunData);
	});
	const additionalData = mock<IWorkflowExecuteAdditionalData>() as IWorkflowExecuteAdditionalData;
	additionalData.hooks = hooks;
	additionalData.currentNodeParameters = undefined;
	additionalData.credentialsHelper = options.credentials ?? new TestCredentialsHelper();
	additionalData.executionId = `exec-${Math.random().toString(36).slice(2)}`;

	const start = options.workflow.nodes.find((node) => node.name === START);
	if (!start) throw new Error(`Test workflows start at a node named "${START}"`);
	const runExecutionData: IRunExecutionData = {
		resultData: { runData: {} },
		executionData: {
			metadata: {},
			contextData: {},
			waitingExecution: {},
			waitingExecutionSource: null,
			nodeExecutionStack: [{ node: start, data: { main: [options.input.map((json) => ({ json }))] }, source: null }],
		},
	} as unknown as IRunExecutionData;
	const execute = new WorkflowExecute(additionalData, mode, runExecutionData);
	await execute.processRunExecutionData(workflow);
	const run = await done.promise;
	const runData = run.data.resultData.runData;
	return {
		run,
		staticData: saved.staticData,
		staticDataChanged: saved.changed,
		outputs: (nodeName) => (runData[nodeName]?.[0]?.data?.main ?? []).map((items) => items ?? []),
		hints: (nodeName) => (runData[nodeName]?.[0]?.hints ?? []) as NodeExecutionHint[],
		error: run.data.resultData.error?.message,
	};
}

/** Builds a linear test workflow: Start → each node in order (main output 0 to the next). */
export function chain(nodes: Array<Omit<INode, 'id' | 'position' | 'typeVersion'> & { typeVersion?: number }>): WorkflowJson {
	const all: INode[] = [
		{ id: 'start', name: START, type: 'test.noOp', typeVersion: 1, position: [0, 0], parameters: {} },
		...nodes.map((node, index) => ({ typeVersion: 1, ...node, id: `n${index}`, position: [200 * (index + 1), 0] as [number, number] })),
	];
	const connections: IConnections = {};
	for (let index = 0; index < all.length - 1; index++) {
		connections[all[index].name] = { main: [[{ node: all[index + 1].name, type: NodeConnectionTypes.Main, index: 0 }]] };
	}
	return { nodes: all, connections };
}

export function node(name: string, type: string, parameters: IDataObject, credentials?: INode['credentials']) {
	return { name, type: `${PACKAGE}.${type}`, parameters: parameters as INode['parameters'], ...(credentials ? { credentials } : {}) };
}
