import type { INodeProperties } from 'n8n-workflow';

/** Properties every node that touches the ledger names the same way (public names: saved workflows depend on them). */

export const idempotencyKeyProperty: INodeProperties = {
	displayName: 'Idempotency Key',
	name: 'idempotencyKey',
	type: 'string',
	default: '={{ $json.idempotencyKey }}',
	required: true,
	placeholder: '={{ $json.companyId }}-{{ $json.invoiceDate }}-{{ $json.invoiceNumber }}',
	description:
		'What makes an invoice unique, the same on every retry and every re-delivery (e.g. company, date and invoice number). Never use a timestamp or a random value. An empty key fails the item.',
};

export const referenceProperty: INodeProperties = {
	displayName: 'Reference',
	name: 'reference',
	type: 'string',
	default: '={{ $json.externalReference }}',
	description:
		'The reference stored with the invoice in the ERP and used to find it again after a timeout. When empty, one is derived from the idempotency key (the same on every re-run).',
};

export const ledgerNameProperty: INodeProperties = {
	displayName: 'Ledger',
	name: 'ledger',
	type: 'string',
	default: 'invoices',
	description:
		'Name of the ledger that Dedupe Check, Idempotent Invoice Post and Verify By Reference share inside this workflow (on Redis, optionally across workflows: Ledger Scope)',
};

export const ledgerStoreProperty: INodeProperties = {
	displayName: 'Ledger Store',
	name: 'ledgerStore',
	type: 'options',
	default: 'workflowStaticData',
	options: [
		{
			name: 'Workflow Static Data',
			value: 'workflowStaticData',
			description: 'Embedded; serves one n8n process (no queue mode). Survives restarts only when the execution was saved.',
		},
		{
			name: 'Redis',
			value: 'redis',
			description: 'Shared and atomic across n8n workers (queue mode) and restarts; uses your Redis credential',
		},
	],
	description: 'Where the ledger lives',
};

export const redisKeyPrefixProperty: INodeProperties = {
	displayName: 'Key Prefix',
	name: 'keyPrefix',
	type: 'string',
	default: 'n8n-idempotency',
	displayOptions: { show: { ledgerStore: ['redis'] } },
	description: 'Prefix of every Redis key this ledger writes',
};

export const ledgerScopeProperty: INodeProperties = {
	displayName: 'Ledger Scope',
	name: 'ledgerScope',
	type: 'options',
	default: 'workflow',
	displayOptions: { show: { ledgerStore: ['redis'] } },
	options: [
		{ name: 'This Workflow', value: 'workflow', description: 'The ledger belongs to this workflow; another workflow with the same ledger name has its own' },
		{
			name: 'Shared by Name Across Workflows',
			value: 'shared',
			description:
				'Every workflow that names this ledger (with this Redis and key prefix) shares it: e.g. a webhook receiver and a nightly catch-up that post the same invoices',
		},
	],
	description: 'Whether other workflows see this ledger',
};

export const redisCredentialProperty = { name: 'redis', required: true, displayOptions: { show: { ledgerStore: ['redis'] } } };

export const ledgerProperties: INodeProperties[] = [ledgerNameProperty, ledgerStoreProperty, redisKeyPrefixProperty, ledgerScopeProperty];
