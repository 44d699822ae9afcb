import type { IDataObject } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { runWorkflow } from '../helpers/n8n-harness';
import { inforCredentials, invoices, postWorkflow, routed } from './helpers';

describe('Infor: three unusable invoices and one without a key among 20 good ones', () => {
	let sandbox: Sandbox;
	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['infor'], seed: 5 });
	});
	afterAll(async () => await sandbox.stop());

	it('posts the 20 and sends each bad one to Failed naming its field, without crashing the run', async () => {
		clearRegistry();
		const [noNumber, commaAmount, hugeDescription, noKey] = invoices(4, 'BAD');
		delete noNumber.invoiceNumber;
		commaAmount.amount = '12,50';
		hugeDescription.lines = [{ description: 'x'.repeat(1024 * 1024), quantity: 1, unitPrice: 1 }];
		noKey.idempotencyKey = '';
		const input = [...invoices(10), noNumber, commaAmount, ...invoices(10, 'MORE'), hugeDescription, noKey];

		const run = await runWorkflow({ workflow: postWorkflow('inforIcs', 'inforIonApi', { batchSize: 5 }), input, credentials: inforCredentials(sandbox) });

		expect(run.error).toBeUndefined();
		const out = routed(run);
		expect(out.posted).toHaveLength(20);
		const failures = Object.fromEntries(out.failed.map((item) => [String(item.json.externalReference), String((item.json.idempotency as IDataObject).error)]));
		expect(Object.keys(failures)).toHaveLength(4);
		expect(failures[String(noNumber.externalReference)]).toMatch(/^Invoice Number \(\$json\.invoiceNumber\) is missing \[item 10\]$/);
		expect(failures[String(commaAmount.externalReference)]).toMatch(/^Amount \(\$json\.amount\) must be a number with a dot as decimal separator .* \[item 11\]$/);
		expect(failures[String(hugeDescription.externalReference)]).toMatch(/^lines\[0\]\.description is \d+ characters long; .* \[item 22\]$/);
		expect(failures[String(noKey.externalReference)]).toMatch(/^Idempotency Key is empty \[item 23\]$/);
		expect(out.failed.map((item) => item.pairedItem)).toEqual([{ item: 10 }, { item: 11 }, { item: 22 }, { item: 23 }]);
		const truth = sandbox.truth('infor');
		expect(truth.invoices).toHaveLength(20);
		expect(truth.duplicates).toEqual([]);
	});
});
