/**
 * Issue 12, hostile-input suite: references that are paths (`.`, `..`, `%2e`, `/`, `?`, `#`) on the
 * generic REST adapter, whose lookup path is `/invoices/{reference}`. Posting and verifying them must
 * refuse the item naming the reference — never let the lookup reach another resource (the API root, a
 * listing) and take its answer for "found", which would mark the key POSTED without an invoice.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { chain, node, runWorkflow, type RunResult } from '../helpers/n8n-harness';
import { postWorkflow } from '../posting/helpers';
import { errorOf, erpUnderTest, goodInvoices, info, mismatches, type Expected, type HostileItem } from './hostile-helpers';

const generic = erpUnderTest('generic');
const GENERIC_CREDENTIAL = { genericErpApi: { id: 'cred-generic', name: 'Generic' } };
/** The reference in the path: what makes `.` and `..` dangerous. */
const SETTINGS = { genericRestSettings: { lookupPath: '/invoices/{reference}' } };

/** The error names the reference (the parameter, or the field it defaults to). */
const NAMES_REFERENCE: Expected = { failedNaming: /(^|[^\w])(reference|externalReference)($|[^\w])/ };

const PATH_REFERENCES: Array<[label: string, reference: string]> = [
	['dot', '.'],
	['dot-dot', '..'],
	['encoded dot', '%2e'],
	['encoded dot-dot', '%2e%2E'],
	['slash', '/'],
	['up and over', '../invoices'],
	['traversal inside', 'ACME/../../x'],
	['question mark', '?'],
	['query injection', 'x?reference=ACME-GOOD-0001'],
	['hash', '#'],
	['fragment', 'x#y'],
];

function pathItems(prefix: string): HostileItem[] {
	return PATH_REFERENCES.map(([label, reference], index) => {
		const [invoice] = goodInvoices(generic, 1, `${prefix}-${index}`);
		invoice.externalReference = reference;
		return { name: label, json: invoice, expected: NAMES_REFERENCE };
	});
}

function verifyWorkflow(settings: IDataObject = SETTINGS) {
	return chain([
		{
			...node('Verify', 'verifyByReference', { erp: 'genericRest', operation: 'verify', ...settings }, GENERIC_CREDENTIAL),
			// Continue on fail: an unusable reference fails that item, not the run.
			onError: 'continueRegularOutput' as const,
		},
	]);
}

/** What the ledger holds for each item's key, as Dedupe Check's lookup shows it. */
async function ledgerStates(staticData: IDataObject, items: IDataObject[]): Promise<Array<string | null>> {
	const run = await runWorkflow({ workflow: chain([node('Lookup', 'dedupeCheck', { operation: 'lookup' })]), input: items, staticData });
	return (run.outputs('Lookup')[0] ?? []).map((item) => (info(item).state as string | null) ?? null);
}

const verified = (run: RunResult) => {
	const [found = [], notFound = []] = run.outputs('Verify');
	return { found, notFound };
};
const byKey = (items: INodeExecutionData[]) => new Map(items.map((item) => [String(item.json.idempotencyKey), item]));

describe('references that are paths, on the generic REST adapter', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['generic'], seed: 12 });
	});
	afterAll(async () => await sandbox.stop());
	beforeEach(() => {
		clearRegistry();
		sandbox.reset();
		sandbox.setFaults('generic', generic.simulatorOptions ?? {});
	});

	it('Post refuses each path reference naming it, posts the good ones, and stores nothing for the refused', async () => {
		const good = goodInvoices(generic, 3, 'GOOD');
		const hostileItems = pathItems('PATH');
		const credentials = await generic.credentials(sandbox);
		const run = await runWorkflow({ workflow: postWorkflow('genericRest', 'genericErpApi', {}, SETTINGS), input: [good[0], ...hostileItems.map((entry) => entry.json), ...good.slice(1)], credentials });
		expect(run.error).toBeUndefined();
		expect(mismatches(run, hostileItems)).toEqual([]);
		const truth = sandbox.truth('generic');
		expect(Object.keys(truth.countByReference).sort()).toEqual(good.map((invoice) => String(invoice.externalReference)).sort());
		expect(await ledgerStates(run.staticData, hostileItems.map((entry) => entry.json))).not.toContain('POSTED');
	});

	it('Verify By Reference finds none of them (the listing or the API root is not "found"), names the reference, and marks nothing POSTED', async () => {
		const good = goodInvoices(generic, 2, 'VERIFY-GOOD');
		const credentials = await generic.credentials(sandbox);
		// Invoices in the ERP: a lookup that escaped to the listing would "find" them.
		const posted = await runWorkflow({ workflow: postWorkflow('genericRest', 'genericErpApi', {}, SETTINGS), input: good, credentials });
		expect(posted.outputs('Post')[0]).toHaveLength(2);

		const hostileItems = pathItems('VERIFY-PATH');
		const run = await runWorkflow({ workflow: verifyWorkflow(), input: [...good, ...hostileItems.map((entry) => entry.json)], credentials, staticData: posted.staticData });
		expect(run.error).toBeUndefined();
		const { found, notFound } = verified(run);
		expect([...byKey(found).keys()].sort()).toEqual(good.map((invoice) => String(invoice.idempotencyKey)).sort());
		const refused = byKey(notFound);
		const wrong = hostileItems.flatMap(({ name, json }) => {
			const item = refused.get(String(json.idempotencyKey));
			if (!item) return [`${name}: not in Not Found`];
			return NAMES_REFERENCE.failedNaming.test(errorOf(item)) ? [] : [`${name}: Not Found without an error naming the reference (${errorOf(item).slice(0, 120)})`];
		});
		expect(wrong).toEqual([]);
		expect(await ledgerStates(run.staticData, hostileItems.map((entry) => entry.json))).not.toContain('POSTED');
	});

	it('a lookup answer whose invoice lacks the reference field is never "found"', async () => {
		const good = goodInvoices(generic, 1, 'NO-FIELD');
		const credentials = await generic.credentials(sandbox);
		await runWorkflow({ workflow: postWorkflow('genericRest', 'genericErpApi', {}, SETTINGS), input: good, credentials });
		// The lookup answers with the invoice, but nothing in it is the field that carries the reference.
		const settings = { genericRestSettings: { ...SETTINGS.genericRestSettings, referenceField: 'ourReference' } };
		// Another n8n (fresh ledger): only what Verify concludes can mark the key POSTED.
		clearRegistry();
		const run = await runWorkflow({ workflow: verifyWorkflow(settings), input: good, credentials });
		const { found } = verified(run);
		expect(found.filter((item) => info(item).outcome === 'found')).toEqual([]);
		expect(await ledgerStates(run.staticData, good)).not.toContain('POSTED');
	});
});
