#!/usr/bin/env node
'use strict';
// Installs the pinned n8n runtimes that are missing or stale (`.ci/run` calls this before the e2e tests).
// Usage: node e2e/install-runtimes.js [2.41] [2.8]   (default: both)

const childProcess = require('child_process');
const { RUNTIMES, ensureRuntime, isRuntimeInstalled, runtimeFolder } = require('./lib/runtime');

function diskSize(folder) {
	try {
		return childProcess.execFileSync('du', ['-sh', `${folder}/node_modules`], { encoding: 'utf8' }).split('\t')[0];
	} catch {
		return '?';
	}
}

async function main() {
	const versions = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(RUNTIMES);
	const started = Date.now();
	const log = (line) => console.log(`[install-runtimes] ${line}`);
	// Both at once: the downloads overlap with sqlite3's native builds (2 cores).
	const results = await Promise.allSettled(
		versions.map(async (version) => {
			const wasInstalled = isRuntimeInstalled(version);
			const versionStarted = Date.now();
			const runtime = await ensureRuntime(version, { log: (line) => log(`${version}: ${line}`) });
			const seconds = ((Date.now() - versionStarted) / 1000).toFixed(0);
			log(`n8n ${runtime.n8nVersion} ${wasInstalled ? 'already installed' : `installed in ${seconds} s`}, ${diskSize(runtimeFolder(version))} on disk`);
		}),
	);
	log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
	const failures = results.filter((result) => result.status === 'rejected');
	for (const failure of failures) console.error(failure.reason instanceof Error ? failure.reason.message : failure.reason);
	process.exitCode = failures.length > 0 ? 1 : 0;
}

main();
