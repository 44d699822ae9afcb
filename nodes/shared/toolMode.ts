import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

/**
 * Whether n8n runs the node as an AI agent's tool. n8n builds the tool variant of a node
 * (`usableAsTool`: type `<node>Tool`) and calls its `execute` in a context whose
 * `isToolExecution()` says so; the type name is the fallback where that method is missing.
 */
export function isToolExecution(fns: IExecuteFunctions): boolean {
	if (typeof fns.isToolExecution === 'function' && fns.isToolExecution() === true) return true;
	const type = typeof fns.getNode === 'function' ? fns.getNode()?.type : undefined;
	return typeof type === 'string' && type.endsWith('Tool');
}

/**
 * n8n's tool runner hands the agent only the first output (`result[0]`). So as a tool, every item
 * leaves by that one output, in input order, and names the output it would have taken otherwise in
 * `idempotency.output` (beside `outcome` and `error`): an agent must never read a refused or failed
 * invoice as posted. Outside tool mode the outputs are returned unchanged.
 */
export function forAgent(fns: IExecuteFunctions, outputs: INodeExecutionData[][], outputNames: string[]): INodeExecutionData[][] {
	if (outputs.length <= 1 || !isToolExecution(fns)) return outputs;
	const labelled = outputs.flatMap((items, output) =>
		items.map((item) => {
			const idempotency = item.json.idempotency;
			const info = idempotency && typeof idempotency === 'object' && !Array.isArray(idempotency) ? (idempotency as IDataObject) : {};
			return { ...item, json: { ...item.json, idempotency: { ...info, output: outputNames[output] ?? `output ${output}` } } };
		}),
	);
	const inputIndex = (item: INodeExecutionData) => {
		const paired = Array.isArray(item.pairedItem) ? item.pairedItem[0] : item.pairedItem;
		return typeof paired === 'number' ? paired : (paired?.item ?? 0);
	};
	// Array.prototype.sort is stable: items of one input item keep their order.
	return [labelled.sort((a, b) => inputIndex(a) - inputIndex(b))];
}
