/**
 * The secret scan (issue 12): every credential secret a test uses — the passwords, client secrets,
 * API keys, and the tokens and session keys minted from them during the run — must appear nowhere in
 * what the nodes produce (output items, error messages and descriptions, execution hints, the ledger
 * in static data) nor in the sandbox's request log.
 *
 * Secrets are found by field name in the credential data (also inside the pasted `.ionapi` JSON and
 * n8n's `oauthTokenData`), so a new credential field named like a secret is scanned without edits here.
 */
import type { IDataObject } from 'n8n-workflow';

/** Field names whose values are secrets (compared in lower case, without `_`/`-`). */
const SECRET_NAMES = new Set([
	'password',
	'clientsecret',
	'cs',
	'sask',
	'token',
	'accesstoken',
	'refreshtoken',
	'idtoken',
	'sessionkey',
	'apikey',
	'headervalue',
	'customheadersecret',
	'bearertoken',
	'secret',
]);
/** Shorter values are too likely to occur by chance (and no credential the tests use has one). */
const MIN_SECRET_LENGTH = 6;

const normalised = (name: string) => name.toLowerCase().replace(/[_-]/g, '');

export interface Finding {
	secret: string;
	where: string;
}

export class SecretScan {
	private readonly secrets = new Set<string>();
	private readonly haystacks: Array<{ where: string; text: string }> = [];

	/** Every secret-named string inside `data` (nested objects, JSON strings such as an `.ionapi` file). */
	addSecretsFrom(data: unknown, depth = 0): void {
		if (depth > 6 || data === null || data === undefined) return;
		if (typeof data === 'string') {
			const parsed = parseJsonObject(data);
			if (parsed) this.addSecretsFrom(parsed, depth + 1);
			return;
		}
		if (typeof data !== 'object') return;
		for (const [name, value] of Object.entries(data as IDataObject)) {
			if (typeof value === 'string' && SECRET_NAMES.has(normalised(name))) this.addSecret(value);
			else this.addSecretsFrom(value, depth + 1);
		}
	}

	addSecret(value: string): void {
		const secret = value.trim();
		if (secret.length >= MIN_SECRET_LENGTH) this.secrets.add(secret);
	}

	/** Something the run produced; serialised now, since the test may mutate or reset it later. */
	collect(where: string, value: unknown): void {
		let text: string;
		try {
			text = typeof value === 'string' ? value : JSON.stringify(value, safeReplacer());
		} catch (error) {
			text = `unserialisable: ${String(error)}`;
		}
		if (text) this.haystacks.push({ where, text });
	}

	get secretCount(): number {
		return this.secrets.size;
	}

	get collectedCount(): number {
		return this.haystacks.length;
	}

	/** Every (secret, place) where a secret shows, in full or percent-/base64-encoded. */
	findings(): Finding[] {
		const found: Finding[] = [];
		for (const secret of this.secrets) {
			const forms = [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64')];
			for (const { where, text } of this.haystacks) {
				if (forms.some((form) => text.includes(form))) found.push({ secret: `${secret.slice(0, 2)}…(${secret.length} chars)`, where });
			}
		}
		return found;
	}
}

function parseJsonObject(text: string): IDataObject | undefined {
	const trimmed = text.trim();
	if (!trimmed.startsWith('{')) return undefined;
	try {
		const parsed = JSON.parse(trimmed) as unknown;
		return parsed && typeof parsed === 'object' ? (parsed as IDataObject) : undefined;
	} catch {
		return undefined;
	}
}

/** Errors serialise with message, description and stack (JSON.stringify would drop them); cycles are cut. */
function safeReplacer() {
	const seen = new WeakSet<object>();
	return (_key: string, value: unknown) => {
		if (value instanceof Error) {
			const error = value as Error & { description?: unknown; cause?: unknown; context?: unknown };
			return { name: error.name, message: error.message, description: error.description, stack: error.stack, cause: error.cause, context: error.context };
		}
		if (value && typeof value === 'object') {
			if (seen.has(value)) return '[cycle]';
			seen.add(value);
		}
		if (typeof value === 'bigint') return value.toString();
		return value;
	};
}
