import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { chain, node, runWorkflow } from '../helpers/n8n-harness';
import { inforCredentials, invoices, postWorkflow, routed } from './helpers';
import { ledgerRecords } from './review-helpers';

const RANGE = { dateFrom: '2026-11-01', dateTo: '2026-11-30' };

function verifyWorkflow(operation: string, options: IDataObject = {}, ledger = 'invoices') {
	return chain([node('Verify', 'verifyByReference', { erp: 'inforIcs', operation, ledger, options }, { inforIonApi: { id: 'cred-infor', name: 'Infor sandbox' } })]);
}

describe('Verify By Reference on Infor', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['infor'], seed: 8 });
	});
	afterAll(async () => await sandbox.stop());
	beforeEach(() => {
		clearRegistry();
		sandbox.reset();
		sandbox.setFaults('infor', {});
	});

	it('verify: Found / Not Found, and a found UNKNOWN key becomes POSTED', async () => {
		const credentials = inforCredentials(sandbox);
		// The first create commits and times out; with Verify Before Retry off it is left UNKNOWN.
		sandbox.setFaults('infor', { schedule: [{ write: 1, fault: 'commitThenTimeout' }] });
		const [posted, neverSent] = [invoices(3), invoices(1, 'ABSENT')];
		const post = await runWorkflow({ workflow: postWorkflow('inforIcs', 'inforIonApi', { batchSize: 1, concurrency: 1, requestTimeoutMs: 3000, verifyBeforeRetry: false }), input: posted, credentials });
		expect(routed(post).failed).toHaveLength(1);
		expect(await ledgerRecords(post.staticData, ['UNKNOWN'])).toHaveLength(1);
		expect(sandbox.truth('infor').invoices).toHaveLength(3);

		const verify = await runWorkflow({ workflow: verifyWorkflow('verify'), input: [...posted, ...neverSent], credentials, staticData: post.staticData });
		const [found, notFound] = verify.outputs('Verify');
		expect(found.map((item) => item.json.externalReference)).toEqual(posted.map((invoice) => invoice.externalReference));
		expect(notFound.map((item) => item.json.externalReference)).toEqual([neverSent[0].externalReference]);
		expect(await ledgerRecords(verify.staticData, ['UNKNOWN'])).toEqual([]);
		expect((await ledgerRecords(verify.staticData, ['POSTED'])).map((record) => record.key).sort()).toEqual(posted.map((invoice) => invoice.idempotencyKey).sort());
	});

	it('findDuplicates lists the references a naive double post left twice in the ERP', async () => {
		const credentials = inforCredentials(sandbox);
		const input = invoices(5);
		const naive = postWorkflow('inforIcs', 'inforIonApi', { lookupBeforePost: 'never' });
		await runWorkflow({ workflow: naive, input, credentials });
		clearRegistry(); // the ledger is lost between the two posts
		await runWorkflow({ workflow: naive, input: input.slice(0, 2), credentials });
		expect(sandbox.truth('infor').invoices).toHaveLength(7);

		const run = await runWorkflow({ workflow: verifyWorkflow('findDuplicates', RANGE), input: [{}], credentials });
		const [duplicates] = run.outputs('Verify');
		expect(duplicates.map((item) => [item.json.reference, item.json.count]).sort()).toEqual([
			[input[0].externalReference, 2],
			[input[1].externalReference, 2],
		]);
	});

	it('reconcile: matched, missingInErp, duplicatedInErp and unknownToLedger', async () => {
		const credentials = inforCredentials(sandbox);
		const [one, two, doubled, stranger, missing] = invoices(5);
		const ours = postWorkflow('inforIcs', 'inforIonApi', { maxAttempts: 1 });
		const elsewhere = postWorkflow('inforIcs', 'inforIonApi', { lookupBeforePost: 'never' }, { ledger: 'elsewhere' });
		let staticData = (await runWorkflow({ workflow: ours, input: [one, two, doubled], credentials })).staticData;
		// Another process posts `doubled` again and `stranger` once, outside our ledger.
		staticData = (await runWorkflow({ workflow: elsewhere, input: [doubled, stranger], credentials, staticData })).staticData;
		// `missing` never reaches the ERP: every create is refused before commit, the ledger keeps it for a retry.
		sandbox.setFaults('infor', { failBeforeCommit: 1, failBeforeCommitStatus: 503 });
		staticData = (await runWorkflow({ workflow: ours, input: [missing], credentials, staticData })).staticData;
		sandbox.setFaults('infor', {});

		const run = await runWorkflow({ workflow: verifyWorkflow('reconcile', RANGE), input: [{}], credentials, staticData });
		const statuses = Object.fromEntries(run.outputs('Verify')[0].map((item) => [item.json.reference, item.json.status]));
		expect(statuses).toEqual({
			[String(one.externalReference)]: 'matched',
			[String(two.externalReference)]: 'matched',
			[String(doubled.externalReference)]: 'duplicatedInErp',
			[String(stranger.externalReference)]: 'unknownToLedger',
			[String(missing.externalReference)]: 'missingInErp',
		});
	});
});
