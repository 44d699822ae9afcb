/**
 * OData URL pieces. Values never reach a URL unescaped: string literals double `'` (OData ABNF) and
 * are then percent-encoded, so a reference like `O'Brien & Co #5 Zürich` is data, never syntax.
 */

export function odataStringLiteral(value: string): string {
	return `'${value.replace(/'/g, "''")}'`;
}

/** `(A='x',B='y')`, ready to append to an entity set in a URL path. */
export function alternateKeySegment(keys: Array<[name: string, value: string]>): string {
	return `(${keys.map(([name, value]) => `${name}=${encodeURIComponent(odataStringLiteral(value))}`).join(',')})`;
}

/** `Field eq 'a' or Field eq 'b'` (not yet URL-encoded). */
export function anyOfFilter(field: string, values: string[]): string {
	return values.map((value) => `${field} eq ${odataStringLiteral(value)}`).join(' or ');
}

/** Query string with `%20` for spaces (not `+`, which OData servers may keep literally). */
export function odataQuery(params: Record<string, string>): string {
	return Object.entries(params)
		.map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
		.join('&');
}

/** The key inside the last parentheses of an entity URL (`…/VendorInvoices(<guid>)` → `<guid>`). */
export function entityKeyFromUrl(url: unknown): string | undefined {
	if (typeof url !== 'string') return undefined;
	const match = /\(([^()]+)\)\s*$/.exec(url);
	return match ? decodeURIComponent(match[1]).replace(/^'(.*)'$/, '$1') : undefined;
}

/** `{"error":{"code","message"}}`, Dataverse's error body. */
export function odataError(body: unknown): { code?: string; message?: string } {
	if (typeof body === 'string') return { message: body.slice(0, 500) || undefined };
	const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
	return {
		code: typeof error?.code === 'string' ? error.code : undefined,
		message: typeof error?.message === 'string' ? error.message : undefined,
	};
}
