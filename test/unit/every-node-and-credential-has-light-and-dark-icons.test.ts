import { readFileSync } from 'fs';
import path from 'path';

import packageJson from '../../package.json';

const root = path.resolve(__dirname, '../..');
const sources = [...packageJson.n8n.nodes, ...packageJson.n8n.credentials].map((file) =>
	path.join(root, file.replace(/^dist\//, '').replace(/\.js$/, '.ts')),
);

/** The icon a node's description or a credential class declares, from its source text. */
function iconOf(source: string): { light: string; dark: string } | string | undefined {
	const text = readFileSync(source, 'utf8');
	const themed = /icon(?::|\s*=)\s*\{\s*light:\s*'file:([^']+)',\s*dark:\s*'file:([^']+)'\s*\}/.exec(text);
	if (themed) return { light: themed[1], dark: themed[2] };
	return /icon(?::|\s*=)\s*'file:([^']+)'/.exec(text)?.[1];
}

test.each(sources.map((source) => [path.basename(source), source]))('%s has a light and a dark SVG icon, shapes only (no fonts)', (_name, source) => {
	const icon = iconOf(source);
	expect(icon).toEqual({ light: expect.stringMatching(/\.svg$/), dark: expect.stringMatching(/\.dark\.svg$/) });
	const { light, dark } = icon as { light: string; dark: string };
	expect(dark).toBe(light.replace(/\.svg$/, '.dark.svg'));
	for (const file of [light, dark]) {
		const svg = readFileSync(path.join(path.dirname(source), file), 'utf8');
		expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 64 64"/);
		// Text renders with whatever font the viewer has (or none): labels are drawn as paths.
		expect(svg).not.toMatch(/<text|font-family|<image/);
	}
});
