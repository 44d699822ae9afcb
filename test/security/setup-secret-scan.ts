/**
 * Jest setup (jest.config.js `setupFilesAfterEnv`): the suites that run workflows against the sandbox
 * get the credential-secret scan (secret-scan-hooks.ts) without each of them asking for it.
 */
const SCANNED = /[\\/]test[\\/](posting|security|integration)[\\/]/;

// Required only where it applies: the hooks load n8n-core and the sandbox, which other suites need not pay for.
if (SCANNED.test(expect.getState().testPath ?? '')) {
	(require('./secret-scan-hooks') as typeof import('./secret-scan-hooks')).installSecretScan();
}
