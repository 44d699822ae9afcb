const path = require('path');
const { task, src, dest } = require('gulp');

// tsc does not copy icons: copy every node's and credential's SVG/PNG next to its compiled file.
function copyIcons() {
	const nodeIcons = src(path.resolve('nodes', '**', '*.{png,svg}'), { encoding: false }).pipe(
		dest(path.resolve('dist', 'nodes')),
	);
	src(path.resolve('credentials', '**', '*.{png,svg}'), { encoding: false, allowEmpty: true }).pipe(
		dest(path.resolve('dist', 'credentials')),
	);
	return nodeIcons;
}

task('build:icons', copyIcons);
