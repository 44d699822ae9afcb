/**
 * `npm run test:chaos`: the chaos matrix and the property-based tests (issue 15). Not in the default
 * `jest` run: the matrix alone takes minutes. CHAOS_SEED replays a run, CHAOS_CELL (a regex on cell ids)
 * narrows it, CHAOS_INVOICES (default 300) sizes each cell, CHAOS_PARALLEL (default 16 per ledger store)
 * runs cells at once: a cell mostly waits (timeouts, back-offs), so many share one process.
 */
/** @type {import('jest').Config} */
module.exports = {
	rootDir: '../..',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/chaos'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }],
	},
	// The matrix runs its cells inside one worker (in parallel where safe); the property tests in another.
	maxWorkers: 2,
	testTimeout: 30 * 60 * 1000,
	// n8n-core's HTTP agents keep idle sockets to the (stopped) sandboxes open; nothing of ours is left running.
	forceExit: true,
};
