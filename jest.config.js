/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		// Type checking is `npm run typecheck`'s job; transpiling only keeps the suite fast on 2 cores.
		'^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
	},
	testTimeout: 60000,
	// Real servers (sandbox, n8n) start in these tests: keep workers few and predictable.
	maxWorkers: 2,
};
