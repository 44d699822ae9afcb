import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { dirname, join, relative, resolve } from 'path';
import * as ts from 'typescript';

const ROOT = resolve(__dirname, '../..');

export interface TranspiledEntry {
	/** The entry as plain CommonJS, for `fork(file, args, { env })`. */
	file: string;
	/** Lets the transpiled files (outside the repository) resolve the repository's node_modules. */
	env: NodeJS.ProcessEnv;
	/** Removes the temp dir; safe to call twice. */
	remove(): void;
}

/**
 * Transpiles a TypeScript entry and every repository file it imports (relative imports, followed
 * transitively) to CommonJS in a temp dir, so a forked process starts with plain `node`. Forking
 * with ts-node made each child load the TypeScript compiler: four at once on a busy 2-core machine
 * took most of a test's minute before the first line ran. Transpiling here is one pass, in a process
 * that already has the compiler loaded.
 */
export function transpileForFork(entry: string): TranspiledEntry {
	const out = mkdtempSync(join(tmpdir(), 'idempotent-invoice-fork-'));
	const target = (source: string) => join(out, relative(ROOT, source)).replace(/\.ts$/, '.js');
	const done = new Set<string>();
	const visit = (source: string): void => {
		if (done.has(source)) return;
		done.add(source);
		const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), {
			fileName: source,
			compilerOptions: {
				module: ts.ModuleKind.CommonJS,
				target: ts.ScriptTarget.ES2022,
				esModuleInterop: true,
			},
		});
		mkdirSync(dirname(target(source)), { recursive: true });
		writeFileSync(target(source), outputText);
		// Type-only imports are gone from the output, so only modules needed at run time are followed.
		for (const [, specifier] of outputText.matchAll(/require\("(\.{1,2}\/[^"]+)"\)/g)) {
			const base = resolve(dirname(source), specifier);
			const next = [`${base}.ts`, join(base, 'index.ts')].find((file) => existsSync(file));
			if (next) visit(next);
		}
	};
	visit(resolve(entry));
	return {
		file: target(resolve(entry)),
		env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
		remove: () => rmSync(out, { recursive: true, force: true }),
	};
}
