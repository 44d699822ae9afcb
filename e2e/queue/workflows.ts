// Workflow JSON for the queue-mode end-to-end tests: an invoice webhook that posts to the sandbox's
// generic REST ERP behind Dedupe Check, built for either ledger store.
import { createHash } from 'crypto';

export type LedgerStoreKind = 'workflowStaticData' | 'redis';

export const PACKAGE_PREFIX = 'n8n-nodes-idempotent-invoice';
export const LEDGER_REDIS_CREDENTIAL = { id: 'queueLedgerRedis1', name: 'Ledger Redis (e2e)' };

/** n8n's built-in `redis` credential for the ledger's Redis (no password: a loopback test server). */
export function ledgerRedisCredential(port: number): object {
	return {
		...LEDGER_REDIS_CREDENTIAL,
		type: 'redis',
		data: { host: '127.0.0.1', port, password: '', database: 0 },
	};
}

export interface InvoiceWebhookOptions {
	/** Webhook path after /webhook/. */
	path: string;
	ledgerStore: LedgerStoreKind;
	/** The sandbox's generic ERP base URL, e.g. http://127.0.0.1:4100/generic */
	erpBaseUrl: string;
	keyPrefix?: string;
	/** A crashed holder's lease runs out after this; then the key is verified, never posted blind. */
	leaseSeconds?: number;
	/** A duplicate that arrives while the first is posting waits for its answer this long. */
	waitForInFlightSeconds?: number;
}

/** The first invoice a lookup found (its full response's body is the list). */
const FOUND_ID = '={{ $json.body?.[0]?.id }}';

/** Where the delivery itself sits in every later node (their own $json is an ERP answer). */
const DELIVERY = "$('Webhook').item.json.body";

interface WorkflowNode {
	id: string;
	name: string;
	type: string;
	typeVersion: number;
	position: [number, number];
	parameters: Record<string, unknown>;
	webhookId?: string;
	credentials?: Record<string, { id: string; name: string }>;
	onError?: 'continueRegularOutput' | 'continueErrorOutput';
	alwaysOutputData?: boolean;
}

type Connections = Record<string, { main: Array<Array<{ node: string; type: 'main'; index: number }>> }>;

function stableId(seed: string): string {
	const hex = createHash('sha256').update(seed).digest('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Webhook → Dedupe Check (checkAndReserve) →
 *   New: look the reference up in the ERP → found: Mark Posted | not found: POST → Mark Posted, or on
 *        error Mark Failed (retryable) → 503 so the sender retries;
 *   Duplicate: 200 with the first delivery's invoice id (the replay);
 *   In Progress: state UNKNOWN (a crashed holder's lease ran out) → look it up → found: Mark Posted,
 *        not found: Mark Failed (retryable; the next delivery reserves it as new); otherwise 409;
 *   Conflict (incl. "ledger unavailable"): 503 with the reason.
 * The lookup before the post is the workaround Idempotent Invoice Post makes unnecessary (verify before
 * retry); without the ledger it would not prevent concurrent duplicates, so the ledger is still what is tested.
 */
export function invoiceWebhookWorkflow(options: InvoiceWebhookOptions): object {
	const { path, ledgerStore, erpBaseUrl } = options;
	const ledgerParameters = {
		idempotencyKey: `={{ ${DELIVERY}.idempotencyKey }}`,
		reference: `={{ ${DELIVERY}.externalReference }}`,
		ledger: 'invoices',
		ledgerStore,
		...(ledgerStore === 'redis' ? { keyPrefix: options.keyPrefix ?? 'e2e-queue' } : {}),
	};
	const ledgerCredentials = ledgerStore === 'redis' ? { redis: LEDGER_REDIS_CREDENTIAL } : undefined;
	const nodes: WorkflowNode[] = [];
	const connections: Connections = {};
	const add = (node: Omit<WorkflowNode, 'id' | 'position'>) => {
		nodes.push({ ...node, id: stableId(`${path}:${node.name}`), position: [nodes.length * 200, 0] });
	};
	const connect = (from: string, output: number, to: string) => {
		connections[from] ??= { main: [] };
		while (connections[from].main.length <= output) connections[from].main.push([]);
		connections[from].main[output].push({ node: to, type: 'main', index: 0 });
	};
	const dedupe = (name: string, parameters: Record<string, unknown>) =>
		add({
			name,
			type: `${PACKAGE_PREFIX}.dedupeCheck`,
			typeVersion: 1,
			parameters: { ...ledgerParameters, ...parameters },
			...(ledgerCredentials ? { credentials: ledgerCredentials } : {}),
			// A per-item problem (ledger unavailable) leaves by an output, never as a failed execution
			// (n8n would answer the sender 200 with an empty body).
			onError: 'continueRegularOutput',
		});
	const respond = (name: string, code: number, body: string) =>
		add({
			name,
			type: 'n8n-nodes-base.respondToWebhook',
			typeVersion: 1.1,
			parameters: { respondWith: 'json', responseBody: body, options: { responseCode: code } },
		});
	const lookup = (name: string) =>
		add({
			name,
			type: 'n8n-nodes-base.httpRequest',
			typeVersion: 4.2,
			parameters: {
				url: `${erpBaseUrl}/invoices`,
				sendQuery: true,
				queryParameters: { parameters: [{ name: 'reference', value: `={{ ${DELIVERY}.externalReference }}` }] },
				// The full response is one item whatever the list holds, so "not found" (an empty list) has a
				// path. Not alwaysOutputData: n8n adds its empty item also when the request failed into the
				// error output, and that empty item would read as "not found" and post a second time.
				options: { timeout: 10000, response: { response: { fullResponse: true } } },
			},
			onError: 'continueErrorOutput',
		});
	const ifNode = (name: string, leftValue: string, operation: 'exists' | 'equals', rightValue?: string) =>
		add({
			name,
			type: 'n8n-nodes-base.if',
			typeVersion: 2,
			parameters: {
				conditions: {
					options: { caseSensitive: true, leftValue: '', typeValidation: 'loose' },
					conditions: [
						{
							id: stableId(`${path}:${name}:condition`),
							leftValue,
							rightValue: rightValue ?? '',
							operator: operation === 'exists'
								? { type: 'string', operation: 'exists', singleValue: true }
								: { type: 'string', operation: 'equals' },
						},
					],
					combinator: 'and',
				},
				options: {},
			},
		});
	// The id from a lookup (full response: body is the list) or from the create answer.
	const erpId = '($json.body?.[0]?.id ?? $json.id)';
	const markPosted = (name: string) =>
		dedupe(name, { operation: 'markPosted', erpId: `={{ ${erpId} }}`, response: `={{ { invoiceId: ${erpId} } }}` });
	const markRetry = (name: string) =>
		dedupe(name, { operation: 'markFailed', error: '={{ $json.error?.message ?? "not found in the ERP" }}', retryable: true });

	add({
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		webhookId: stableId(`${path}:webhook`),
		parameters: { httpMethod: 'POST', path, responseMode: 'responseNode', options: {} },
	});
	dedupe('Dedupe Check', {
		operation: 'checkAndReserve',
		fingerprint: `={{ ${DELIVERY} }}`,
		options: { leaseSeconds: options.leaseSeconds ?? 60, waitForInFlightSeconds: options.waitForInFlightSeconds ?? 20 },
	});
	const answeredOk = '={{ { status: "success", invoiceId: $json.idempotency.erpId } }}';
	respond('Respond Posted', 200, answeredOk);
	respond('Respond Replay', 200, answeredOk);
	respond('Respond Busy', 409, '={{ { status: "inProgress", message: "This invoice is being posted; retry later" } }}');
	respond('Respond Retry', 503, '={{ { status: "retry", message: $json.idempotency?.error ?? $json.error ?? "try again" } }}');
	respond('Respond Conflict', 503, '={{ { status: "error", message: $json.error ?? $json.idempotency?.error ?? "conflict" } }}');
	lookup('Lookup');
	ifNode('Found', FOUND_ID, 'exists');
	add({
		name: 'Post Invoice',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: {
			method: 'POST',
			url: `${erpBaseUrl}/invoices`,
			sendBody: true,
			specifyBody: 'json',
			jsonBody: `={{ JSON.stringify(${DELIVERY}) }}`,
			options: { timeout: 10000 },
		},
		onError: 'continueErrorOutput',
	});
	markPosted('Mark Posted');
	markRetry('Mark Retry');
	ifNode('Unknown', '={{ $json.idempotency.state }}', 'equals', 'UNKNOWN');
	lookup('Verify Lookup');
	ifNode('Verified', FOUND_ID, 'exists');
	markPosted('Mark Verified');
	markRetry('Mark Not Found');
	ifNode('Recorded', '={{ $json.idempotency.erpId }}', 'exists');

	connect('Webhook', 0, 'Dedupe Check');
	connect('Dedupe Check', 0, 'Lookup');
	connect('Dedupe Check', 1, 'Respond Replay');
	connect('Dedupe Check', 2, 'Unknown');
	connect('Dedupe Check', 3, 'Respond Conflict');
	connect('Lookup', 0, 'Found');
	connect('Lookup', 1, 'Mark Retry');
	connect('Found', 0, 'Mark Posted');
	connect('Found', 1, 'Post Invoice');
	connect('Post Invoice', 0, 'Mark Posted');
	connect('Post Invoice', 1, 'Mark Retry');
	// The ERP has it but the ledger could not record it (Redis down): not a success for the sender yet.
	connect('Mark Posted', 0, 'Recorded');
	connect('Recorded', 0, 'Respond Posted');
	connect('Recorded', 1, 'Respond Retry');
	connect('Mark Retry', 0, 'Respond Retry');
	connect('Unknown', 0, 'Verify Lookup');
	connect('Unknown', 1, 'Respond Busy');
	connect('Verify Lookup', 0, 'Verified');
	connect('Verify Lookup', 1, 'Respond Retry');
	connect('Verified', 0, 'Mark Verified');
	connect('Verified', 1, 'Mark Not Found');
	connect('Mark Verified', 0, 'Recorded');
	connect('Mark Not Found', 0, 'Respond Retry');

	return {
		id: createHash('sha256').update(`queue-workflow:${path}`).digest('hex').slice(0, 16),
		name: `Queue mode: invoices via Dedupe Check (${ledgerStore}, /${path})`,
		active: false,
		nodes,
		connections,
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}

export const GENERIC_ERP_CREDENTIAL = { id: 'queueGenericErp01', name: 'Sandbox generic ERP (e2e)' };

/** The genericErpApi credential for the sandbox's generic REST ERP (no auth: the sandbox's default). */
export function genericErpCredential(erpBaseUrl: string): object {
	return { ...GENERIC_ERP_CREDENTIAL, type: 'genericErpApi', data: { baseUrl: erpBaseUrl, authType: 'none' } };
}

/**
 * Webhook → Idempotent Invoice Post (genericRest, Redis ledger) → Posted / Already Existed: 200 with the
 * invoice id; Failed: 503 with the reason (the sender retries). The node owns reserve, post, verify.
 */
export function invoicePostWebhookWorkflow(options: { path: string; keyPrefix: string }): object {
	const { path } = options;
	const node = (name: string, type: string, typeVersion: number, parameters: Record<string, unknown>, index: number, extra: object = {}) => ({
		id: stableId(`${path}:${name}`),
		name,
		type,
		typeVersion,
		position: [index * 220, 0],
		parameters,
		...extra,
	});
	const answeredOk = '={{ { status: "success", invoiceId: $json.idempotency.erpId } }}';
	const nodes = [
		node('Webhook', 'n8n-nodes-base.webhook', 2, { httpMethod: 'POST', path, responseMode: 'responseNode', options: {} }, 0, {
			webhookId: stableId(`${path}:webhook`),
		}),
		node('Set Invoice', 'n8n-nodes-base.set', 3.4, { mode: 'raw', jsonOutput: '={{ $json.body }}', options: {} }, 1),
		node(
			'Idempotent Invoice Post',
			`${PACKAGE_PREFIX}.idempotentInvoicePost`,
			1,
			{
				erp: 'genericRest',
				idempotencyKey: '={{ $json.idempotencyKey }}',
				reference: '={{ $json.externalReference }}',
				ledger: 'invoices',
				ledgerStore: 'redis',
				keyPrefix: options.keyPrefix,
				options: { initialDelayMs: 200, maxDelayMs: 2000, requestTimeoutMs: 10000 },
			},
			2,
			{ credentials: { genericErpApi: GENERIC_ERP_CREDENTIAL, redis: LEDGER_REDIS_CREDENTIAL } },
		),
		node('Respond Posted', 'n8n-nodes-base.respondToWebhook', 1.1, { respondWith: 'json', responseBody: answeredOk, options: { responseCode: 200 } }, 3),
		node('Respond Existed', 'n8n-nodes-base.respondToWebhook', 1.1, { respondWith: 'json', responseBody: answeredOk, options: { responseCode: 200 } }, 3),
		node(
			'Respond Failed',
			'n8n-nodes-base.respondToWebhook',
			1.1,
			{ respondWith: 'json', responseBody: '={{ { status: "error", message: $json.idempotency?.error ?? $json.error ?? "failed" } }}', options: { responseCode: 503 } },
			3,
		),
	];
	const to = (target: string) => [{ node: target, type: 'main', index: 0 }];
	return {
		id: createHash('sha256').update(`queue-workflow:${path}`).digest('hex').slice(0, 16),
		name: `Queue mode: invoices via Idempotent Invoice Post (redis, /${path})`,
		active: false,
		nodes,
		connections: {
			Webhook: { main: [to('Set Invoice')] },
			'Set Invoice': { main: [to('Idempotent Invoice Post')] },
			'Idempotent Invoice Post': { main: [to('Respond Posted'), to('Respond Existed'), to('Respond Failed')] },
		},
		settings: { executionOrder: 'v1' },
		pinData: {},
	};
}
