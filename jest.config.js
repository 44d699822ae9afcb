/** @type {import('jest').Config} */
module.exports = {
	// jest's node environment whose workers exit at once when told to (see the file for why).
	testEnvironment: '<rootDir>/test/helpers/jest-node-environment.js',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	// The real-n8n tests take minutes each and need the pinned runtimes: `npm run test:e2e` (e2e/jest.config.js).
	// The chaos matrix takes minutes too: `npm run test:chaos` (test/chaos/jest.config.js).
	testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/', '<rootDir>/test/chaos/'],
	transform: {
		// Type checking is `npm run typecheck`'s job; transpiling file by file keeps the suite fast on 2 cores.
		// isolatedModules goes in as a compiler option (ts-jest's own option of that name is deprecated).
		'^.+\\.ts$': ['ts-jest', { tsconfig: { isolatedModules: true }, diagnostics: false }],
	},
	testTimeout: 60000,
	// Scans what the posting, integration and security suites produce for credential secrets (issue 12).
	setupFilesAfterEnv: ['<rootDir>/test/security/setup-secret-scan.ts'],
	// Most suites start real servers (sandbox ERPs, Redis): one worker per core of the 2-core CI machine.
	maxWorkers: 2,
	// A worker that has run ~50 files holds 300–500 MB of heap, which also makes its exit slow (see
	// test/helpers/jest-node-environment.js); recycling a worker above 200 MB after a file keeps it small.
	workerIdleMemoryLimit: '200MB',
};
