import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { batchSizeForBudget, observedSecondsPerInvoice, splitIntoBatches, type KeyedInvoice } from '../shared/batching/split';
import { idempotencyKeyProperty, ledgerProperties, redisCredentialProperty, referenceProperty } from '../shared/descriptions/ledger.description';
import { failItemOrThrow, idempotencyInfo, ledgerOutage, readIdempotencyKey, readReference } from '../shared/items';
import { openLedger, readLedgerOptions } from '../shared/ledger/open';

const timeBudgetOnly = { show: { mode: ['timeBudget'] } };
/** How many recent POSTED records the latency estimate reads. */
const LATENCY_SAMPLE = 500;

/*
 * Not offered to AI agents, so no `usableAsTool` (which the lint rule asks for): its output is
 * batches for Idempotent Invoice Post, not an answer an agent can act on, and in tool mode n8n
 * would hand the agent only one output of whatever it returns.
 */
// eslint-disable-next-line @n8n/community-nodes/node-usable-as-tool
export class BatchSplitter implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Batch Splitter',
		name: 'batchSplitter',
		icon: { light: 'file:batchSplitter.svg', dark: 'file:batchSplitter.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: '={{ $parameter["mode"] === "timeBudget" ? $parameter["timeBudgetSeconds"] + " s per batch" : $parameter["batchSize"] + " per batch" }}',
		description: 'Split invoices into micro-batches with ids derived from their content, so a failed batch is small and a re-run is recognisable',
		defaults: { name: 'Batch Splitter' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ ...redisCredentialProperty, displayOptions: { show: { mode: ['timeBudget'], ledgerStore: ['redis'] } } }],
		properties: [
			{
				displayName: 'Mode',
				name: 'mode',
				type: 'options',
				noDataExpression: true,
				default: 'fixedSize',
				options: [
					{ name: 'Fixed Size', value: 'fixedSize', description: 'The same number of invoices in every batch' },
					{
						name: 'Time Budget',
						value: 'timeBudget',
						description: "As many invoices as fit in a time budget at the ERP's observed latency (e.g. under a gateway timeout)",
					},
				],
			},
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: 1000 },
				default: 15,
				displayOptions: { show: { mode: ['fixedSize'] } },
				description: 'Invoices per batch; 10–15 keeps a failed batch small',
			},
			{
				displayName: 'Time Budget (Seconds)',
				name: 'timeBudgetSeconds',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 30,
				displayOptions: timeBudgetOnly,
				description: 'How long one batch may take at the ERP (keep it under the gateway timeout, e.g. 60 s on ION)',
			},
			{
				displayName: 'Seconds per Invoice',
				name: 'secondsPerInvoice',
				type: 'number',
				typeOptions: { minValue: 0.001, numberPrecision: 3 },
				default: 2,
				displayOptions: timeBudgetOnly,
				description: "Estimate used until the ledger has observed the ERP's real latency; then the observed median is used",
			},
			{
				displayName: 'Output Format',
				name: 'outputFormat',
				type: 'options',
				default: 'batchItems',
				options: [
					{ name: 'Batch Items', value: 'batchItems', description: 'One item per batch: {batchId, batchIndex, batchCount, invoices}' },
					{ name: 'Annotated Items', value: 'annotatedItems', description: 'Each invoice as its own item, with batchId, batchIndex and sequence' },
				],
			},
			idempotencyKeyProperty,
			referenceProperty,
			...ledgerProperties.map((property) => ({ ...property, displayOptions: { show: { mode: ['timeBudget'], ...(property.displayOptions?.show ?? {}) } } })),
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const items = this.getInputData();
		const keyed: KeyedInvoice[] = [];
		const rejected: INodeExecutionData[] = [];
		items.forEach((item, itemIndex) => {
			try {
				const key = readIdempotencyKey(this, itemIndex);
				keyed.push({ itemIndex, key, reference: readReference(this, itemIndex, key), json: item.json });
			} catch (error) {
				rejected.push(failItemOrThrow(this, item, itemIndex, error as Error));
			}
		});

		const mode = this.getNodeParameter('mode', 0) as string;
		let batchSize = this.getNodeParameter('batchSize', 0, 15) as number;
		if (mode === 'timeBudget') {
			const budget = this.getNodeParameter('timeBudgetSeconds', 0, 30) as number;
			const estimate = this.getNodeParameter('secondsPerInvoice', 0, 2) as number;
			let observed: number | undefined;
			try {
				observed = await observedLatency(this);
			} catch (error) {
				throw ledgerOutage(this, error);
			}
			batchSize = batchSizeForBudget(budget, observed ?? estimate);
			this.addExecutionHints({
				location: 'outputPane',
				type: 'info',
				message: `${batchSize} invoices per batch: ${budget} s budget at ${(observed ?? estimate).toFixed(3)} s per invoice (${observed !== undefined ? "the ERP's observed median latency" : 'your estimate; no latency observed in the ledger yet'})`,
			});
		}

		const batches = splitIntoBatches(keyed, batchSize);
		const format = this.getNodeParameter('outputFormat', 0, 'batchItems') as string;
		const carried = (invoice: KeyedInvoice) => ({
			...invoice.json,
			idempotency: idempotencyInfo(invoice.key, undefined, 'batched', { reference: invoice.reference }),
		});
		const out: INodeExecutionData[] =
			format === 'annotatedItems'
				? batches.flatMap((batch) =>
						batch.invoices.map((invoice, sequence) => ({
							json: { ...carried(invoice), batchId: batch.batchId, batchIndex: batch.batchIndex, sequence },
							pairedItem: { item: invoice.itemIndex },
						})),
					)
				: batches.map((batch) => ({
						json: {
							batchId: batch.batchId,
							batchIndex: batch.batchIndex,
							batchCount: batches.length,
							invoices: batch.invoices.map(carried) as IDataObject[],
						},
						pairedItem: batch.invoices.map((invoice) => ({ item: invoice.itemIndex })),
					}));
		return [[...out, ...rejected]];
	}
}

/** The median latency the ledger observed for recent posts, in seconds. */
async function observedLatency(fns: IExecuteFunctions): Promise<number | undefined> {
	const session = await openLedger(fns, readLedgerOptions(fns));
	try {
		const posted = await session.ledger.list({ states: ['POSTED'] });
		const latencies = posted.slice(-LATENCY_SAMPLE).flatMap((record) => (record.latencyMs !== undefined ? [record.latencyMs] : []));
		return observedSecondsPerInvoice(latencies);
	} finally {
		await session.close();
	}
}
