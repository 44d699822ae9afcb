import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';

/**
 * The rule set `n8n-node lint` (@n8n/node-cli) applies to a community package: ESLint's and
 * typescript-eslint's recommended rules plus @n8n/eslint-plugin-community-nodes' full
 * `recommended` preset, on the TypeScript sources and on package.json.
 * (node-cli also adds eslint-plugin-import-x and eslint-plugin-n8n-nodes-base; they are not
 * dependencies of this repository.)
 */
const communityNodes = n8nCommunityNodesPlugin.configs.recommended;

/**
 * The one rule switched off, and why it cannot apply: the Redis ledger (queue mode, where n8n's
 * workflow static data cannot serve as a shared atomic store) needs a Redis client, ioredis, and
 * n8n-workflow offers none to community nodes. lodash and luxon are also runtime dependencies.
 * The rule guards n8n's *verified* packages; this package is an unverified community package,
 * which n8n installs with its dependencies (the README says so).
 */
const runtimeDependenciesNeeded = { '@n8n/community-nodes/no-runtime-dependencies': 'off' };

export default tseslint.config(
	{ ignores: ['dist/**', 'node_modules/**', 'e2e/**', 'sandbox/**', 'test/**', 'bench/**', 'templates/**', '**/*.js'] },
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		extends: [js.configs.recommended, tseslint.configs.recommended, communityNodes],
		languageOptions: { parserOptions: { project: './tsconfig.json' } },
		rules: {
			// As in @n8n/node-cli's config.
			'prefer-spread': 'off',
			'no-console': 'error',
			...runtimeDependenciesNeeded,
		},
	},
	{
		files: ['package.json'],
		extends: [communityNodes],
		languageOptions: { parser: tseslint.parser, parserOptions: { extraFileExtensions: ['.json'] } },
		rules: runtimeDependenciesNeeded,
	},
);
