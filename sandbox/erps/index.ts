import { withHostileFaults, type HostileSimulator } from '../core/hostile';
import type { SandboxErp, Simulator } from '../core/types';
import { createDataverseSimulator } from './dataverse/simulator';
import { createErplySimulator } from './erply/simulator';
import { createFreeAgentSimulator } from './freeagent/simulator';
import { createGenericSimulator } from './generic/simulator';
import { createInforSimulator } from './infor/simulator';
import { createMendixSimulator } from './mendix/simulator';

/**
 * One factory per ERP; a sandbox gets fresh simulators so two sandboxes never share state. Each one is
 * wrapped in the hostile faults (late commit, gateway 5xx, exists answers), which stay off until set.
 */
export const SIMULATOR_FACTORIES: Record<SandboxErp, () => HostileSimulator> = {
	infor: () => withHostileFaults(createInforSimulator()),
	dataverse: () => withHostileFaults(createDataverseSimulator()),
	freeagent: () => withHostileFaults(createFreeAgentSimulator()),
	erply: () => withHostileFaults(createErplySimulator()),
	mendix: () => withHostileFaults(createMendixSimulator()),
	generic: () => withHostileFaults(createGenericSimulator()),
};

/**
 * Demo credentials a simulator accepts, for the CLI and the demo. A simulator offers them by having a
 * `demoCredentials(baseUrl)` method (optional: not part of the fixed Simulator contract).
 */
export function demoCredentials(simulator: Simulator, baseUrl: string): Record<string, unknown> | undefined {
	const offer = (simulator as Simulator & { demoCredentials?: (baseUrl: string) => Record<string, unknown> }).demoCredentials;
	return typeof offer === 'function' ? offer.call(simulator, baseUrl) : undefined;
}
