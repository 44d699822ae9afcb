/**
 * Wraps the test harness so that a test file's every workflow run and every sandbox is scanned for
 * credential secrets (see secret-scan.ts), failing the file in an `afterAll` when one shows up.
 *
 * Tests call `runWorkflow` and `startSandbox` through their modules' export objects (CommonJS), so
 * replacing those exports once per test file (the module registry is per file) sees every call
 * without touching the tests.
 */
import * as harness from '../helpers/n8n-harness';
import * as sandboxModule from '../../sandbox';
import { SIMULATOR_FACTORIES } from '../../sandbox/erps';
import type { Sandbox, SandboxErp } from '../../sandbox';
import { SecretScan } from './secret-scan';

let installed: SecretScan | undefined;

/** Installs the scan for the current test file (once) and returns it, so a test can add secrets of its own. */
export function installSecretScan(): SecretScan {
	if (installed) return installed;
	const scan = new SecretScan();
	installed = scan;

	const originalRun = harness.runWorkflow;
	const wrappedRun: typeof harness.runWorkflow = async (options) => {
		scan.addSecretsFrom(options.credentials ? Object.fromEntries(options.credentials.stored) : undefined);
		const result = await originalRun(options);
		// Tokens and session keys minted during the run land in the stored credential data.
		scan.addSecretsFrom(options.credentials ? Object.fromEntries(options.credentials.stored) : undefined);
		scan.collect('run (outputs, errors, hints)', result.run);
		scan.collect('static data (ledger)', result.staticData);
		return result;
	};
	(harness as { runWorkflow: typeof harness.runWorkflow }).runWorkflow = wrappedRun;

	const originalStart = sandboxModule.startSandbox;
	const wrappedStart: typeof sandboxModule.startSandbox = async (options) => {
		const sandbox = await originalStart(options);
		watchSandbox(scan, sandbox);
		return sandbox;
	};
	(sandboxModule as { startSandbox: typeof sandboxModule.startSandbox }).startSandbox = wrappedStart;

	afterAll(() => {
		const findings = scan.findings();
		if (findings.length > 0) {
			throw new Error(`Credential secrets leaked (${findings.length}):\n${findings.map((f) => `  ${f.secret} in ${f.where}`).join('\n')}`);
		}
	});
	return scan;
}

/** The sandbox's demo secrets are secrets; its request log is scanned before a reset or stop discards it. */
function watchSandbox(scan: SecretScan, sandbox: Sandbox): void {
	for (const erp of Object.keys(sandbox.urls) as SandboxErp[]) {
		scan.addSecretsFrom(sandboxModule.demoCredentials(SIMULATOR_FACTORIES[erp](), sandbox.urls[erp]));
	}
	const collectLog = (when: string) => scan.collect(`sandbox request log (${when})`, sandbox.requestLog());
	const { reset, stop } = sandbox;
	sandbox.reset = (erp) => {
		collectLog('before reset');
		reset(erp);
	};
	sandbox.stop = async () => {
		collectLog('at stop');
		await stop();
	};
}
