import type { IExecuteFunctions } from 'n8n-workflow';

/**
 * What n8n-core's execution contexts carry at runtime but IExecuteFunctions does not declare:
 * `instanceSettings` (n8n-core's InstanceSettings: `instanceType` is 'worker' inside `n8n worker`,
 * 'webhook' inside `n8n webhook`, 'main' otherwise; `isMultiMain` for several mains). Read
 * defensively: a future n8n may drop or rename it, and then we just say "not detected".
 */
interface InstanceSettingsView {
	instanceType?: unknown;
	isMultiMain?: unknown;
}

function instanceSettingsOf(fns: IExecuteFunctions): InstanceSettingsView | undefined {
	try {
		const settings = (fns as unknown as { instanceSettings?: unknown }).instanceSettings;
		return typeof settings === 'object' && settings !== null ? (settings as InstanceSettingsView) : undefined;
	} catch {
		return undefined;
	}
}

/**
 * True when this execution runs where other n8n processes may run the same workflow at the same
 * time: a queue-mode worker or webhook process, or one of several mains. Then a per-process store
 * (workflow static data) cannot see the other processes' reservations. n8n exposes no public API
 * for this (the `EXECUTIONS_MODE` variable is behind `process`/`$env`, both off limits for nodes),
 * so it reads n8n-core's instance settings; false when they are not there. A manual run on the
 * main of a queue-mode installation is not detected (the main looks like a regular instance).
 */
export function isQueueModeWorkerLikely(fns: IExecuteFunctions): boolean {
	const settings = instanceSettingsOf(fns);
	if (!settings) return false;
	return settings.instanceType === 'worker' || settings.instanceType === 'webhook' || settings.isMultiMain === true;
}
