/** `npm run test:e2e`: the real-n8n scenarios, one at a time (each starts n8n; 2 cores). */
/** @type {import('jest').Config} */
module.exports = {
	rootDir: '..',
	testEnvironment: 'node',
	roots: ['<rootDir>/test/e2e'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }],
	},
	// An n8n start with imports takes 30–60 s; a scenario sends hundreds of deliveries.
	testTimeout: 15 * 60 * 1000,
	maxWorkers: 1,
};
