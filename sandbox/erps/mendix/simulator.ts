import { summariseTruth } from '../../core/truth';
import type { Simulator } from '../../core/types';

export function createMendixSimulator(): Simulator {
	return {
		erp: 'mendix',
		handle: () => ({ status: 501, body: { error: 'not implemented yet' } }),
		truth: () => summariseTruth([]),
		reset: () => undefined,
	};
}
