import tseslint from 'typescript-eslint';
import { configs } from '@n8n/eslint-plugin-community-nodes';

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'e2e/**', 'sandbox/**', 'test/**', 'bench/**', '*.js'] },
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		languageOptions: { parser: tseslint.parser, parserOptions: { project: './tsconfig.json' } },
	},
	configs.recommended,
	{
		rules: {
			// lodash and luxon (and ioredis for the Redis ledger) are deliberate runtime dependencies
			// of this unverified community package; the README says so.
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
];
