import type { SandboxErp, Simulator } from '../core/types';
import { createDataverseSimulator } from './dataverse/simulator';
import { createErplySimulator } from './erply/simulator';
import { createFreeAgentSimulator } from './freeagent/simulator';
import { createGenericSimulator } from './generic/simulator';
import { createInforSimulator } from './infor/simulator';
import { createMendixSimulator } from './mendix/simulator';

/** One factory per ERP; a sandbox gets fresh simulators so two sandboxes never share state. */
export const SIMULATOR_FACTORIES: Record<SandboxErp, () => Simulator> = {
	infor: createInforSimulator,
	dataverse: createDataverseSimulator,
	freeagent: createFreeAgentSimulator,
	erply: createErplySimulator,
	mendix: createMendixSimulator,
	generic: createGenericSimulator,
};

/**
 * Demo credentials a simulator accepts, for the CLI and the demo. A simulator offers them by having a
 * `demoCredentials(baseUrl)` method (optional: not part of the fixed Simulator contract).
 */
export function demoCredentials(simulator: Simulator, baseUrl: string): Record<string, unknown> | undefined {
	const offer = (simulator as Simulator & { demoCredentials?: (baseUrl: string) => Record<string, unknown> }).demoCredentials;
	return typeof offer === 'function' ? offer.call(simulator, baseUrl) : undefined;
}
