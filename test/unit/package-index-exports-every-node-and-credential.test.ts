import path from 'path';

import packageJson from '../../package.json';

const root = path.resolve(__dirname, '../..');
const listed = [...packageJson.n8n.nodes, ...packageJson.n8n.credentials];

/** `dist/nodes/X/X.node.js` → the TypeScript it is compiled from, so the test needs no build. */
const sourceOf = (distFile: string) => path.join(root, distFile.replace(/^dist\//, '').replace(/\.js$/, '.ts'));

test('index.js exports the class of every node and credential n8n loads, by its class name', () => {
	for (const file of listed) jest.doMock(path.join(root, file), () => jest.requireActual(sourceOf(file)), { virtual: true });
	const exported = jest.requireActual<Record<string, new () => { description?: { name: string }; name?: string }>>(path.join(root, 'index.js'));

	const names = listed.map((file) => path.basename(file).replace(/\.(node|credentials)\.js$/, ''));
	expect(Object.keys(exported).sort()).toEqual([...names].sort());
	expect(new exported.IdempotentInvoicePost().description?.name).toBe('idempotentInvoicePost');
	expect(new exported.InforIonApi().name).toBe('inforIonApi');
});

test('index.js is what the package points at and ships', () => {
	expect(packageJson.main).toBe('index.js');
	expect(packageJson.files).toEqual(expect.arrayContaining(['dist', 'index.js']));
});
