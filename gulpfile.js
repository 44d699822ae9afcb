const path = require('path');
const { task, src, dest, parallel } = require('gulp');

// tsc copies neither icons nor codex files: n8n reads both from next to the compiled node/credential.
function copyNodeAssets() {
	return src(path.resolve('nodes', '**', '*.{png,svg,node.json}'), { encoding: false }).pipe(
		dest(path.resolve('dist', 'nodes')),
	);
}

function copyCredentialIcons() {
	return src(path.resolve('credentials', '**', '*.{png,svg}'), { encoding: false, allowEmpty: true }).pipe(
		dest(path.resolve('dist', 'credentials')),
	);
}

task('build:icons', parallel(copyNodeAssets, copyCredentialIcons));
