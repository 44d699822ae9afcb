import { SANDBOX_ERPS, startSandboxServer } from './core/server';
import type { Sandbox, SandboxServerOptions } from './core/server';
import type { SandboxErp } from './core/types';
import { SIMULATOR_FACTORIES } from './erps';

export type { Sandbox, LogEntry } from './core/server';
export { SANDBOX_ERPS, DEFAULT_HOLD_MS, MANUAL_CLOCK_START } from './core/server';
export type * from './core/types';
export { demoCredentials } from './erps';

export type StartSandboxOptions = Omit<SandboxServerOptions, 'simulators'> & {
	/** Mount only these ERPs (default: all six). */
	erps?: SandboxErp[];
};

/** Starts the six simulators behind one loopback port, each under its own prefix (`/infor`, …). */
export function startSandbox(options: StartSandboxOptions = {}): Promise<Sandbox> {
	const erps = options.erps ?? SANDBOX_ERPS;
	return startSandboxServer({ ...options, simulators: erps.map((erp) => SIMULATOR_FACTORIES[erp]()) });
}
