import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';

import { idempotencyKeyProperty, ledgerProperties, redisCredentialProperty, referenceProperty } from '../shared/descriptions/ledger.description';
import { ledgerOutage } from '../shared/items';
import { forAgent, isToolExecution } from '../shared/toolMode';
import { description as checkAndReserveProperties } from './actions/checkAndReserve.operation';
import { description as markFailedProperties } from './actions/markFailed.operation';
import { description as markPostedProperties } from './actions/markPosted.operation';
import { optionsProperty } from './actions/options.description';
import { router } from './actions/router';

const keyedOperations = ['checkAndReserve', 'markPosted', 'markFailed', 'release', 'lookup'];
/**
 * Not offered to an AI agent: Purge deletes review records, and Release of an UNKNOWN key (maybe
 * in the ERP already) lets the invoice be posted a second time. Those are a person's decisions.
 */
const AGENT_FORBIDDEN = ['purge', 'release'];
const notForAgents = { hide: { '@tool': [true] } };
/** checkAndReserve's outputs, in order. */
const ROUTES = ['New', 'Duplicate', 'In Progress', 'Conflict'];

export class DedupeCheck implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dedupe Check',
		name: 'dedupeCheck',
		icon: { light: 'file:dedupeCheck.svg', dark: 'file:dedupeCheck.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] }}',
		description: 'Let each invoice through exactly once, even when deliveries are retried or arrive at the same time',
		defaults: { name: 'Dedupe Check' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		// checkAndReserve routes to four outputs; every other operation has one.
		outputs: `={{ ($parameter.operation ?? "checkAndReserve") === "checkAndReserve" ? ${JSON.stringify(ROUTES.map((displayName) => ({ type: NodeConnectionTypes.Main, displayName })))} : [{ type: "${NodeConnectionTypes.Main}" }] }}`,
		credentials: [redisCredentialProperty],
		properties: [
			// Cannot apply: saved workflows store `operation` without a `resource` (public contract), so
			// operations moved under resources would show as invalid in every existing workflow.
			// eslint-disable-next-line @n8n/community-nodes/resource-operation-pattern
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				default: 'checkAndReserve',
				options: [
					{
						name: 'Check and Reserve',
						value: 'checkAndReserve',
						action: 'Check and reserve a key',
						description: 'Route each item to New (reserved for you), Duplicate, In Progress or Conflict',
					},
					{ name: 'List', value: 'list', action: 'List ledger records', description: 'The review queue: records by state and age' },
					{ name: 'Lookup', value: 'lookup', action: 'Look up a key', description: 'Read the ledger record of each key' },
					{ name: 'Mark Failed', value: 'markFailed', action: 'Mark a key failed', description: 'Record that posting failed, with the reason' },
					{ name: 'Mark Posted', value: 'markPosted', action: 'Mark a key posted', description: 'Record the ERP ID and the response a replay returns' },
					{ name: 'Purge', value: 'purge', action: 'Purge ledger records', description: 'Delete records by state and age', displayOptions: notForAgents },
					{
						name: 'Release',
						value: 'release',
						action: 'Release a key',
						description: 'Forget a key that is not posted, so it can be posted again',
						displayOptions: notForAgents,
					},
				],
			},
			{ ...idempotencyKeyProperty, displayOptions: { show: { operation: keyedOperations } } },
			{ ...referenceProperty, displayOptions: { show: { operation: ['checkAndReserve', 'markPosted'] } } },
			...ledgerProperties,
			...checkAndReserveProperties,
			...markPostedProperties,
			...markFailedProperties,
			optionsProperty,
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0, 'checkAndReserve') as string;
		if (isToolExecution(this) && AGENT_FORBIDDEN.includes(operation)) {
			throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not available to an AI agent`, {
				description: 'Purge and Release change what the ledger protects; run them in a workflow a person triggers, not as a tool',
			});
		}
		try {
			return forAgent(this, await router.call(this), ROUTES);
		} catch (error) {
			throw ledgerOutage(this, error);
		}
	}
}
