import { readFileSync } from 'fs';
import path from 'path';

import type { INodeProperties, INodePropertyCollection, INodePropertyOptions, INodeType } from 'n8n-workflow';

import { BatchSplitter } from '../../nodes/BatchSplitter/BatchSplitter.node';
import { DedupeCheck } from '../../nodes/DedupeCheck/DedupeCheck.node';
import { IdempotentInvoicePost } from '../../nodes/IdempotentInvoicePost/IdempotentInvoicePost.node';
import { VerifyByReference } from '../../nodes/VerifyByReference/VerifyByReference.node';

const nodes: Array<[string, INodeType]> = [
	['DedupeCheck', new DedupeCheck()],
	['BatchSplitter', new BatchSplitter()],
	['IdempotentInvoicePost', new IdempotentInvoicePost()],
	['VerifyByReference', new VerifyByReference()],
];

/** Words n8n's title case keeps lower case unless they start or end the label. */
const SMALL = new Set(['a', 'an', 'and', 'as', 'at', 'but', 'by', 'for', 'if', 'in', 'nor', 'of', 'on', 'or', 'per', 'the', 'to', 'via', 'vs']);

function titleCaseProblems(label: string): string[] {
	const words = label.split(/[\s/]+/).filter((word) => /^[A-Za-z]/.test(word));
	return words.flatMap((word, index) => {
		const bare = word.replace(/[^A-Za-z-]/g, '');
		const inner = index > 0 && index < words.length - 1;
		if (inner && SMALL.has(bare.toLowerCase())) return bare === bare.toLowerCase() ? [] : [`"${word}" should be lower case`];
		return bare.split('-').every((part) => part === '' || /^[A-Z]/.test(part)) ? [] : [`"${word}" should be capitalised`];
	});
}

/** Every label a user reads in the node's panel: parameter names and the options of lists. */
function labels(properties: Array<INodeProperties | INodePropertyCollection | INodePropertyOptions>): string[] {
	return properties.flatMap((property) => {
		if ('displayName' in property && 'type' in property) {
			const options = (property.options ?? []) as Array<INodeProperties | INodePropertyCollection | INodePropertyOptions>;
			return [property.displayName, ...labels(options)];
		}
		if ('values' in property) return [property.displayName, ...labels(property.values)];
		return 'name' in property && 'value' in property ? [property.name] : [];
	});
}

test.each(nodes)('%s: every label is in title case, short prepositions lower case', (_name, node) => {
	const problems = labels(node.description.properties).flatMap((label) => titleCaseProblems(label).map((problem) => `${label}: ${problem}`));
	expect(problems).toEqual([]);
});

test('the four node names stay exactly as users know them', () => {
	expect(nodes.map(([, node]) => [node.description.displayName, node.description.name])).toEqual([
		['Dedupe Check', 'dedupeCheck'],
		['Batch Splitter', 'batchSplitter'],
		['Idempotent Invoice Post', 'idempotentInvoicePost'],
		['Verify By Reference', 'verifyByReference'],
	]);
});

const SEARCHED = ['dedupe', 'deduplicate', 'idempotency', 'exactly once', 'duplicate', 'invoice', 'ERP', 'Infor', 'Dynamics', 'Dataverse', 'FreeAgent', 'Erply', 'Mendix'];

test.each(nodes)('%s: its codex file names the node and the words users search for', (folder, node) => {
	const codex = JSON.parse(readFileSync(path.resolve(__dirname, `../../nodes/${folder}/${folder}.node.json`), 'utf8')) as { node: string; alias: string[]; categories: string[] };
	expect(codex.node).toBe(`n8n-nodes-idempotent-invoice.${node.description.name}`);
	expect(codex.alias).toEqual(expect.arrayContaining(SEARCHED));
	expect(new Set(codex.alias).size).toBe(codex.alias.length);
	expect(codex.categories).toContain('Finance & Accounting');
});
