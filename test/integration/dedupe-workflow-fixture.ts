import type { IDataObject, INode, INodeExecutionData, WorkflowExecuteMode } from 'n8n-workflow';

import { chain, node, runWorkflow, type RunResult, type WorkflowJson } from '../helpers/n8n-harness';

/** Deliveries the tests send: the key is built the way the design's example builds it. */
export const KEY_EXPRESSION = '={{ $json.companyId }}-{{ $json.invoiceDate }}-{{ $json.invoiceNumber }}';

export function invoice(invoiceNumber: string, extra: IDataObject = {}): IDataObject {
	return { companyId: 'ACME', invoiceDate: '2026-11-24', invoiceNumber, currency: 'EUR', amount: 1500, ...extra };
}

export const keyOf = (invoiceNumber: string) => `ACME-2026-11-24-${invoiceNumber}`;

export const DEDUPE = 'Dedupe Check';

/** Start → one Dedupe Check node; `nodeFields` sets node-level fields (continueOnFail, onError). */
export function dedupeWorkflow(
	parameters: IDataObject,
	{ id = 'wf-dedupe', name = DEDUPE, nodeFields = {} }: { id?: string; name?: string; nodeFields?: Partial<INode> } = {},
): WorkflowJson {
	const workflow = chain([{ ...node(name, 'dedupeCheck', { idempotencyKey: KEY_EXPRESSION, ...parameters }), ...nodeFields }]);
	return { ...workflow, id };
}

export interface Delivery extends RunResult {
	/** The items of output `index` of the node. */
	out(index: number, nodeName?: string): INodeExecutionData[];
	/** `idempotency` of each item of output `index`. */
	info(index: number, nodeName?: string): IDataObject[];
}

/** One execution, as n8n runs a webhook (default) or the editor ('manual') runs it. */
export async function deliver(
	workflow: WorkflowJson,
	input: IDataObject[],
	{ mode = 'webhook', staticData = {} }: { mode?: WorkflowExecuteMode; staticData?: IDataObject } = {},
): Promise<Delivery> {
	const result = await runWorkflow({ workflow, input, staticData, mode });
	const out = (index: number, nodeName = DEDUPE) => result.outputs(nodeName)[index] ?? [];
	return {
		...result,
		out,
		info: (index, nodeName = DEDUPE) => out(index, nodeName).map((item) => item.json.idempotency as IDataObject),
	};
}

export const OUT = { new: 0, duplicate: 1, inProgress: 2, conflict: 3 } as const;
