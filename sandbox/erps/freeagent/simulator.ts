import { summariseTruth } from '../../core/truth';
import type { Simulator } from '../../core/types';

/** Placeholder until the FreeAgent simulator is written: every call answers 501. */
export function createFreeAgentSimulator(): Simulator {
	return {
		erp: 'freeagent',
		handle: () => ({ status: 501, body: { error: 'FreeAgent simulator not implemented yet' } }),
		truth: () => summariseTruth([]),
		reset: () => undefined,
	};
}
