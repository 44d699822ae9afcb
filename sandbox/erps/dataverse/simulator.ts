import { summariseTruth } from '../../core/truth';
import type { Simulator } from '../../core/types';

/** Placeholder until the Dataverse simulator is written: every call answers 501. */
export function createDataverseSimulator(): Simulator {
	return {
		erp: 'dataverse',
		handle: () => ({ status: 501, body: { error: 'Dataverse simulator not implemented yet' } }),
		truth: () => summariseTruth([]),
		reset: () => undefined,
	};
}
