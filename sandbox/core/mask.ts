/** Secrets never reach the request log in full: keep two characters so a reader can tell values apart. */

const SECRET_FIELDS = new Set([
	'authorization',
	'client_secret',
	'password',
	'sessionkey',
	'access_token',
	'refresh_token',
	'cs',
	'sask',
	'code',
	'x-api-key',
]);

export function maskSecret(value: string): string {
	return `${value.slice(0, 2)}***`;
}

export function isSecretField(name: string): boolean {
	return SECRET_FIELDS.has(name.toLowerCase());
}

/** `Bearer abc…` keeps its scheme so the log still says how the caller authenticated. */
export function maskAuthorization(value: string): string {
	const space = value.indexOf(' ');
	if (space < 0) return maskSecret(value);
	return `${value.slice(0, space)} ${maskSecret(value.slice(space + 1))}`;
}

export function maskParams(params: URLSearchParams): Record<string, string> {
	const out: Record<string, string> = {};
	for (const [name, value] of params) out[name] = isSecretField(name) ? maskSecret(value) : value;
	return out;
}
