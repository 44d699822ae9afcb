// The queue-mode hint needs to know that a node runs in an `n8n worker` process. n8n exposes no public
// API for it; isQueueModeWorkerLikely reads n8n-core's execution context, checked here on a real
// ExecuteContext (n8n-core from the package's dev dependencies) in processes started in each role.
import { spawnSync } from 'child_process';
import { join } from 'path';

import { isQueueModeWorkerLikely } from '../../nodes/shared/ledger/queueMode';
import type { IExecuteFunctions } from 'n8n-workflow';

const PROBE = join(__dirname, '..', '..', 'e2e', 'queue', 'detect-worker.probe.js');

function detectedIn(role: 'worker' | 'start' | 'webhook'): string {
	const result = spawnSync(process.execPath, [PROBE, role], { encoding: 'utf8', timeout: 60_000 });
	if (result.status !== 0) throw new Error(`probe (${role}) failed: ${result.stderr}`);
	return result.stdout.trim();
}

describe('a queue-mode worker is recognised from the execution context', () => {
	test('inside `n8n worker` (and `n8n webhook`) it is detected; inside `n8n start` it is not', () => {
		expect(detectedIn('worker')).toBe('true');
		expect(detectedIn('webhook')).toBe('true');
		expect(detectedIn('start')).toBe('false');
	});

	test('a context without n8n-core internals (a future n8n, a test double) reads as "not detected"', () => {
		expect(isQueueModeWorkerLikely({} as IExecuteFunctions)).toBe(false);
		expect(isQueueModeWorkerLikely({ instanceSettings: null } as unknown as IExecuteFunctions)).toBe(false);
	});
});
