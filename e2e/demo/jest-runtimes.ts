/** For the e2e scenario tests: one describe block per pinned n8n runtime, skipped (or failed) when not installed. */
import { type RuntimeVersion, RUNTIMES, isRuntimeInstalled } from '../lib/runtime';

const runtimesRequired = process.env.E2E_REQUIRED === '1';
/** E2E_RUNTIMES=2.41 (comma-separated) narrows a run to some runtimes. */
const selected = (process.env.E2E_RUNTIMES ?? '2.41,2.8').split(',').map((entry) => entry.trim());

export function describeOnRuntimes(versions: RuntimeVersion[], title: string, body: (version: RuntimeVersion) => void): void {
	for (const version of versions) {
		const n8nVersion = RUNTIMES[version].n8nVersion;
		if (!selected.includes(version)) continue;
		if (!isRuntimeInstalled(version) && !runtimesRequired) {
			console.log(`Skipping "${title}" on n8n ${n8nVersion}: not installed (node e2e/install-runtimes.js ${version}; E2E_REQUIRED=1 makes this a failure).`);
			describe.skip(`${title} (n8n ${n8nVersion}, not installed)`, () => test('runs', () => undefined));
			continue;
		}
		describe(`${title} (n8n ${n8nVersion})`, () => body(version));
	}
}
