/**
 * `npm run sandbox`: all six simulators on one loopback port until Ctrl-C.
 * SANDBOX_PORT (default 4010, 0 = any free port), SANDBOX_SEED (default 1), SANDBOX_FAULTS (a
 * FaultConfig as JSON for every ERP, e.g. '{"lateCommit":0.1,"lookupLagMs":2000}'; per ERP: the admin API).
 */
import { SIMULATOR_FACTORIES, demoCredentials } from './erps';
import { startSandboxServer, SANDBOX_ERPS } from './core/server';
import type { FaultConfig } from './core/types';

async function main(): Promise<void> {
	const port = Number(process.env.SANDBOX_PORT ?? '4010');
	const seed = Number(process.env.SANDBOX_SEED ?? '1');
	const simulators = SANDBOX_ERPS.map((erp) => SIMULATOR_FACTORIES[erp]());
	const faults = parseFaults(process.env.SANDBOX_FAULTS);
	const sandbox = await startSandboxServer({
		simulators,
		seed,
		port,
		faults: faults ? Object.fromEntries(SANDBOX_ERPS.map((erp) => [erp, faults])) : undefined,
	});

	console.log(`Sandbox ERPs (seed ${seed}) on http://127.0.0.1:${sandbox.port}`);
	if (faults) console.log(`  faults on every ERP: ${JSON.stringify(faults)}`);
	for (const simulator of simulators) {
		const url = sandbox.urls[simulator.erp];
		console.log(`  ${simulator.erp.padEnd(10)} ${url}`);
		const credentials = demoCredentials(simulator, url);
		if (credentials) console.log(`             demo credentials: ${JSON.stringify(credentials)}`);
	}
	console.log(`  admin      http://127.0.0.1:${sandbox.port}/_admin/{truth|log|faults}/<erp>, POST /_admin/reset, POST /_admin/clock/advance`);
	console.log('Ctrl-C stops it.');

	let stopping = false;
	const shutdown = (signal: string) => {
		if (stopping) return;
		stopping = true;
		console.log(`${signal}: stopping the sandbox`);
		sandbox.stop().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.on('SIGINT', () => shutdown('SIGINT'));
	process.on('SIGTERM', () => shutdown('SIGTERM'));
}

function parseFaults(text: string | undefined): FaultConfig | undefined {
	if (!text) return undefined;
	const parsed = JSON.parse(text) as unknown;
	if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('SANDBOX_FAULTS must be a JSON object (a FaultConfig)');
	return parsed as FaultConfig;
}

main().catch((error: unknown) => {
	console.error(`Sandbox failed to start: ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
});
