import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { erpCredentials, erpProperty, erpSettingsProperties } from '../shared/descriptions/erp.description';
import { idempotencyKeyProperty, ledgerProperties, redisCredentialProperty, referenceProperty } from '../shared/descriptions/ledger.description';
import { ledgerOutage } from '../shared/items';
import { forAgent } from '../shared/toolMode';
import { executeVerification } from '../shared/verification/operations';

const main = NodeConnectionTypes.Main;
const rangeOperations = { show: { '/operation': ['findDuplicates', 'reconcile'] } };

export class VerifyByReference implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Verify By Reference',
		name: 'verifyByReference',
		icon: { light: 'file:verifyByReference.svg', dark: 'file:verifyByReference.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["operation"] + ": " + $parameter["erp"] }}',
		description: 'Check in the ERP whether invoices exist (once, several times, or not at all) and reconcile the ledger with it',
		defaults: { name: 'Verify By Reference' },
		usableAsTool: true,
		inputs: [main],
		// verify routes to Found / Not Found; findDuplicates and reconcile have one output.
		outputs: `={{ ($parameter.operation ?? "verify") === "verify" ? [{ type: "${main}", displayName: "Found" }, { type: "${main}", displayName: "Not Found" }] : [{ type: "${main}" }] }}`,
		credentials: [...erpCredentials, redisCredentialProperty],
		properties: [
			erpProperty,
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				default: 'verify',
				options: [
					{ name: 'Verify', value: 'verify', action: 'Verify invoices by reference', description: 'Route each item to Found or Not Found' },
					{
						name: 'Find Duplicates',
						value: 'findDuplicates',
						action: 'Find duplicated invoices',
						description: 'References the ERP holds more than once within the lookback window',
					},
					{
						name: 'Reconcile',
						value: 'reconcile',
						action: 'Reconcile the ledger with the ERP',
						description: 'One item per invoice: matched, missingInErp, duplicatedInErp or unknownToLedger',
					},
				],
			},
			{
				...idempotencyKeyProperty,
				required: false,
				displayOptions: { show: { operation: ['verify'] } },
				description: 'The key of each invoice; with Update Ledger, a found invoice becomes POSTED under it',
			},
			{ ...referenceProperty, displayOptions: { show: { operation: ['verify'] } } },
			...ledgerProperties,
			...erpSettingsProperties,
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Concurrency',
						name: 'concurrency',
						type: 'number',
						typeOptions: { minValue: 1, maxValue: 64 },
						default: 4,
						description: 'Lookups in flight at once to this ERP account',
					},
					{
						displayName: 'Date From',
						name: 'dateFrom',
						type: 'string',
						default: '',
						placeholder: '2026-11-01',
						displayOptions: rangeOperations,
						description: 'First invoice date of the range (empty: today minus Lookback)',
					},
					{
						displayName: 'Date To',
						name: 'dateTo',
						type: 'string',
						default: '',
						placeholder: '2026-11-30',
						displayOptions: rangeOperations,
						description: 'Last invoice date of the range (empty: today)',
					},
					{
						displayName: 'Lookback (Days)',
						name: 'lookbackDays',
						type: 'number',
						typeOptions: { minValue: 1 },
						default: 90,
						description: 'How far back to search',
					},
					{
						displayName: 'Request Timeout (Ms)',
						name: 'requestTimeoutMs',
						type: 'number',
						typeOptions: { minValue: 100 },
						default: 30000,
					},
					{
						displayName: 'Update Ledger',
						name: 'updateLedger',
						type: 'boolean',
						default: true,
						displayOptions: { show: { '/operation': ['verify'] } },
						description: 'Whether a found invoice whose key is unsettled (UNKNOWN, RETRY, or absent) becomes POSTED in the ledger',
					},
				],
			},
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		try {
			return forAgent(this, await executeVerification.call(this), ['Found', 'Not Found']);
		} catch (error) {
			throw ledgerOutage(this, error);
		}
	}
}
