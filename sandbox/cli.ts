/**
 * `npm run sandbox`: all six simulators on one loopback port until Ctrl-C.
 * SANDBOX_PORT (default 4010, 0 = any free port), SANDBOX_SEED (default 1).
 */
import { SIMULATOR_FACTORIES, demoCredentials } from './erps';
import { startSandboxServer, SANDBOX_ERPS } from './core/server';

async function main(): Promise<void> {
	const port = Number(process.env.SANDBOX_PORT ?? '4010');
	const seed = Number(process.env.SANDBOX_SEED ?? '1');
	const simulators = SANDBOX_ERPS.map((erp) => SIMULATOR_FACTORIES[erp]());
	const sandbox = await startSandboxServer({ simulators, seed, port });

	console.log(`Sandbox ERPs (seed ${seed}) on http://127.0.0.1:${sandbox.port}`);
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

main().catch((error: unknown) => {
	console.error(`Sandbox failed to start: ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
});
