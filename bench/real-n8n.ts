/**
 * Item 5: 1,000 invoices through a webhook workflow in a real n8n 2.41 — our nodes against HTTP
 * Request + Remove Duplicates v2. Not built yet: it reports why it is skipped instead of a figure.
 */
import { existsSync } from 'fs';
import path from 'path';

import { emptyPart, type PartResult } from './figures';

const RUNTIME = path.join(__dirname, '..', 'e2e', 'n8n-2.41');

export async function benchRealN8n(): Promise<PartResult> {
	const part = emptyPart();
	const installed = existsSync(path.join(RUNTIME, 'node_modules', 'n8n'));
	part.figures.push({
		section: 'Real n8n 2.41 (webhook, 1,000 invoices)',
		name: 'our nodes ÷ HTTP Request + Remove Duplicates v2 (wall time; duplicates/missing)',
		value: null,
		unit: '×',
		note: installed
			? 'skipped: the two comparison workflows are not written yet (runtime e2e/n8n-2.41 is installed)'
			: 'skipped: n8n 2.41 runtime is not installed (node e2e/install-runtimes.js)',
	});
	return part;
}
