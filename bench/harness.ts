/**
 * test/helpers/n8n-harness.ts runs workflows through n8n-core's WorkflowExecute, but it builds its
 * stand-ins with jest-mock-extended, which refuses to load outside Jest. The bench runs under plain
 * ts-node, so it registers a minimal `mock()` (every property a no-op function, unless assigned)
 * before loading the harness. The harness itself is used unchanged.
 */
import Module from 'module';

function mock<T extends object>(): T {
	const assigned = new Map<PropertyKey, unknown>();
	const noop = () => undefined;
	return new Proxy({} as T, {
		get: (_target, property) => {
			if (assigned.has(property)) return assigned.get(property);
			// Not a promise, not iterable, not a primitive: what jest-mock-extended answers too.
			if (property === 'then' || typeof property === 'symbol' || property === 'toJSON') return undefined;
			return noop;
		},
		set: (_target, property, value) => {
			assigned.set(property, value);
			return true;
		},
	});
}

const shimPath = require.resolve('jest-mock-extended');
const shim = new Module(shimPath);
shim.loaded = true;
shim.exports = { mock };
require.cache[shimPath] = shim;

// The harness requires `nodes/X/X.node`; plain Node would pick X.node.json before ts-node's X.node.ts
// (extensions are tried in registration order), so .json goes after .ts.
const extensions = require.extensions as Record<string, NodeJS.RequireExtensions[string] | undefined>;
const loadJson = extensions['.json'];
delete extensions['.json'];
extensions['.json'] = loadJson;

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const harness = require('../test/helpers/n8n-harness') as typeof import('../test/helpers/n8n-harness');
