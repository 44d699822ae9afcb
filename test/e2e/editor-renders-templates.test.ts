// A user opens each template in n8n's editor: our four nodes must render with their own icons (loaded from
// the package), not as the "?" of a node n8n does not know, and no node may show a configuration warning.
// One screenshot per template lands in e2e/screenshots/ (git-ignored) for a person to look at.
import * as fs from 'fs';
import * as path from 'path';
import { chromium, type Browser, type Page } from 'playwright-core';

import { REPO_ROOT, RUNTIMES, isRuntimeInstalled, missingPackageFiles, buildPackage } from '../../e2e/lib/runtime';
import { OUR_NODE_TYPES, type Template, type TemplatesInN8n, loadTemplates, startN8nWithTemplates } from './templates-in-n8n';

jest.setTimeout(10 * 60 * 1000);

const VERSION = '2.41' as const;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.join(REPO_ROOT, 'e2e', 'screenshots');
const runtimesRequired = process.env.E2E_REQUIRED === '1';
const templates = loadTemplates();
const STICKY_NOTE = 'n8n-nodes-base.stickyNote';
const n8nVersion = RUNTIMES[VERSION].n8nVersion;
const missingPrerequisite = !isRuntimeInstalled(VERSION)
	? `n8n ${n8nVersion} is not installed (run \`node e2e/install-runtimes.js ${VERSION}\`)`
	: !fs.existsSync(CHROMIUM)
		? `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`
		: undefined;

/** What the canvas shows for one node, read in the page. */
interface RenderedNode {
	name: string;
	type: string;
	icon: { src: string; loaded: boolean } | null;
	/** An inline SVG icon (n8n's own nodes) rather than an image. */
	inlineSvg: boolean;
	warning: boolean;
}

if (missingPrerequisite && !runtimesRequired) {
	console.log(`Skipping the editor test: ${missingPrerequisite}; E2E_REQUIRED=1 makes this a failure.`);
	describe.skip(`templates in the n8n ${n8nVersion} editor (prerequisite missing)`, () => {
		test('render our nodes with their icons', () => undefined);
	});
} else {
	describe(`templates in the n8n ${n8nVersion} editor`, () => {
		let setup: TemplatesInN8n | undefined;
		let browser: Browser | undefined;
		let page: Page | undefined;
		const shownTypes = new Set<string>();

		beforeAll(async () => {
			if (missingPrerequisite) throw new Error(`E2E_REQUIRED=1 but ${missingPrerequisite}`);
			await buildPackage();
			const missing = missingPackageFiles();
			if (missing.length > 0) throw new Error(`The package is not fully built, dist lacks: ${missing.join(', ')}`);
			fs.mkdirSync(SCREENSHOTS, { recursive: true });
			setup = await startN8nWithTemplates(VERSION);
			browser = await chromium.launch({
				executablePath: CHROMIUM,
				args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
			});
			const context = await browser.newContext({ viewport: { width: 1680, height: 960 } });
			// The owner's session: n8n binds its auth cookie to the browser id the editor keeps in localStorage.
			const [cookieName, ...cookieValue] = setup.session.cookie.split(';')[0].split('=');
			await context.addCookies([{ name: cookieName, value: cookieValue.join('='), url: setup.n8n.baseUrl }]);
			await context.addInitScript({ content: `window.localStorage.setItem('n8n-browserId', ${JSON.stringify(setup.session.browserId)});` });
			page = await context.newPage();
		});

		afterAll(async () => {
			await browser?.close();
			await setup?.stop(process.env.E2E_KEEP_N8N === '1');
		});

		test.each(templates.map((template) => [template.file, template]))(
			'%s renders our nodes with their package icons and no warning',
			async (_file, template) => {
				const rendered = await openTemplate(page!, setup!.n8n.baseUrl, template);
				for (const node of rendered) shownTypes.add(node.type);
				await page!.screenshot({ path: path.join(SCREENSHOTS, template.file.replace(/\.json$/, '.png')) });

				// Every node of the template is on the canvas (sticky notes aside).
				const expected = template.nodes.filter((node) => node.type !== STICKY_NOTE);
				expect(rendered.map((node) => node.name).sort()).toEqual(expected.map((node) => node.name).sort());

				for (const node of rendered.filter((candidate) => OUR_NODE_TYPES.includes(candidate.type))) {
					const iconFile = `${node.type.split('.')[1]}.svg`;
					expect({ node: node.name, iconFromPackage: node.icon?.src.includes('n8n-nodes-idempotent-invoice') && node.icon.src.endsWith(iconFile), loaded: node.icon?.loaded }).toEqual({
						node: node.name,
						iconFromPackage: true,
						loaded: true,
					});
				}
				expect(rendered.filter((node) => node.warning).map((node) => node.name)).toEqual([]);
				const placeholder = await page!.getByText(/not currently installed|install this node/i).count();
				expect(placeholder).toBe(0);
			},
		);

		test('together the templates show all four of our node types', () => {
			expect(OUR_NODE_TYPES.filter((type) => !shownTypes.has(type))).toEqual([]);
		});

		// n8n's dark theme draws each node with its `icon.dark` file: a few templates that together show all
		// four of our nodes, one screenshot each (<template>-dark.png) for a person to look at.
		test.each(templatesShowingEachOfOurTypes().map((template) => [template.file, template]))(
			'%s in the dark theme shows our dark icons',
			async (_file, template) => {
				const rendered = await openTemplate(page!, setup!.n8n.baseUrl, template, 'dark');
				await page!.screenshot({ path: path.join(SCREENSHOTS, template.file.replace(/\.json$/, '-dark.png')) });
				for (const node of rendered.filter((candidate) => OUR_NODE_TYPES.includes(candidate.type))) {
					const darkIcon = `${node.type.split('.')[1]}.dark.svg`;
					expect({ node: node.name, darkIcon: node.icon?.src.endsWith(darkIcon), loaded: node.icon?.loaded }).toEqual({ node: node.name, darkIcon: true, loaded: true });
				}
			},
		);
	});
}

// Run in the page (kept as text: this project type-checks against Node, not the DOM).
const CANVAS_NODES = "[...document.querySelectorAll('.vue-flow__node [data-node-type][data-node-name]')]";
const ICONS_SETTLED = `${CANVAS_NODES}.every((node) => [...node.querySelectorAll('img')].every((img) => img.complete))`;
const READ_CANVAS = `${CANVAS_NODES}.map((node) => {
	const img = node.querySelector('img');
	return {
		name: node.getAttribute('data-node-name') || '',
		type: node.getAttribute('data-node-type') || '',
		icon: img ? { src: img.src, loaded: img.complete && img.naturalWidth > 0 } : null,
		inlineSvg: !img && node.querySelector('svg') !== null,
		warning: node.querySelector('[data-test-id="canvas-node-status-warning"]') !== null,
	};
})`;

/** The fewest templates (greedily) that together show every one of our node types. */
function templatesShowingEachOfOurTypes(): Template[] {
	const chosen: Template[] = [];
	const missing = new Set(OUR_NODE_TYPES);
	while (missing.size > 0) {
		const shows = (template: Template) => template.nodes.filter((node) => missing.has(node.type)).length;
		const best = [...templates].sort((a, b) => shows(b) - shows(a))[0];
		if (!best || shows(best) === 0) break;
		chosen.push(best);
		for (const node of best.nodes) missing.delete(node.type);
	}
	return chosen;
}

/** Opens a template in the editor, waits until every node and icon has rendered, and reads the canvas. */
async function openTemplate(page: Page, baseUrl: string, template: Template, theme: 'light' | 'dark' = 'light'): Promise<RenderedNode[]> {
	// The editor loads ~1000 modules: on 2 cores its DOMContentLoaded comes 15–30 s after the answer.
	// `?theme=` is the editor's own theme override (it also reads N8N_THEME from localStorage).
	await page.goto(`${baseUrl}/workflow/${template.id}?theme=${theme}`, { waitUntil: 'commit' });
	const nodeCount = template.nodes.filter((node) => node.type !== STICKY_NOTE).length;
	await page.waitForFunction(`${CANVAS_NODES}.length >= ${nodeCount}`, undefined, { timeout: 180_000 });
	// Icons are images fetched from n8n's /icons/ route: wait until each has loaded or failed.
	await page.waitForFunction(ICONS_SETTLED, undefined, { timeout: 30_000 });
	// The canvas fades in and fits the view after the nodes exist: let it settle before the screenshot.
	await page.waitForTimeout(2000);
	const rendered = (await page.evaluate(READ_CANVAS)) as RenderedNode[];
	return rendered.filter((node) => node.type !== STICKY_NOTE);
}
