import { summariseTruth } from '../../core/truth';
import type { Simulator } from '../../core/types';

export function createGenericSimulator(): Simulator {
	return {
		erp: 'generic',
		handle: () => ({ status: 501, body: { error: 'not implemented yet' } }),
		truth: () => summariseTruth([]),
		reset: () => undefined,
	};
}
