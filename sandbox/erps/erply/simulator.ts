import { summariseTruth } from '../../core/truth';
import type { Simulator } from '../../core/types';

/** Placeholder until the Erply simulator is written: every call answers 501. */
export function createErplySimulator(): Simulator {
	return {
		erp: 'erply',
		handle: () => ({ status: 501, body: { error: 'Erply simulator not implemented yet' } }),
		truth: () => summariseTruth([]),
		reset: () => undefined,
	};
}
