/** Test-side helpers for the Dataverse simulator: a token, OData calls, and a tiny multipart $batch builder/reader. */

export const DATAVERSE_CLIENT = { tenantId: 'sandbox-tenant', clientId: 'sandbox-client', clientSecret: 'sandbox-secret' };

export async function requestToken(baseUrl: string, overrides: Partial<Record<'client_secret' | 'scope', string>> = {}): Promise<Response> {
	const form = new URLSearchParams({
		grant_type: 'client_credentials',
		client_id: DATAVERSE_CLIENT.clientId,
		client_secret: overrides.client_secret ?? DATAVERSE_CLIENT.clientSecret,
		scope: overrides.scope ?? `${baseUrl}/.default`,
	});
	return fetch(`${baseUrl}/${DATAVERSE_CLIENT.tenantId}/oauth2/v2.0/token`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: form.toString(),
	});
}

export async function accessToken(baseUrl: string): Promise<string> {
	const response = await requestToken(baseUrl);
	if (response.status !== 200) throw new Error(`token request failed: ${response.status}`);
	return ((await response.json()) as { access_token: string }).access_token;
}

export interface ODataCall {
	method?: string;
	body?: unknown;
	headers?: Record<string, string>;
}

/** A call below `{base}/api/data/v9.2/`; `resource` must already be URL-encoded where needed. */
export function odata(baseUrl: string, token: string, resource: string, call: ODataCall = {}): Promise<Response> {
	return fetch(`${baseUrl}/api/data/v9.2/${resource}`, {
		method: call.method ?? 'GET',
		headers: {
			Authorization: `Bearer ${token}`,
			Accept: 'application/json',
			...(call.body === undefined ? {} : { 'Content-Type': 'application/json' }),
			...call.headers,
		},
		body: call.body === undefined ? undefined : JSON.stringify(call.body),
	});
}

/** An OData string literal: quotes doubled (OData ABNF). */
export function odataString(value: string): string {
	return `'${value.replace(/'/g, "''")}'`;
}

export interface BatchRequestPart {
	method: string;
	url: string;
	body?: unknown;
	contentId?: string;
}

export type BatchPart = BatchRequestPart | { changeset: BatchRequestPart[] };

/** A multipart/mixed $batch body as Dataverse's documentation writes it (CRLF, application/http parts). */
export function buildBatch(parts: BatchPart[], boundary = 'batch_test'): { body: string; contentType: string } {
	const lines: string[] = [];
	parts.forEach((part, index) => {
		lines.push(`--${boundary}`);
		if ('changeset' in part) {
			const changeset = `changeset_${index}`;
			lines.push(`Content-Type: multipart/mixed; boundary=${changeset}`, '');
			for (const inner of part.changeset) lines.push(`--${changeset}`, ...requestPart(inner));
			lines.push(`--${changeset}--`);
		} else {
			lines.push(...requestPart(part));
		}
	});
	lines.push(`--${boundary}--`, '');
	return { body: lines.join('\r\n'), contentType: `multipart/mixed; boundary=${boundary}` };
}

function requestPart(part: BatchRequestPart): string[] {
	const head = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
	if (part.contentId) head.push(`Content-ID: ${part.contentId}`);
	const request = [`${part.method} ${part.url} HTTP/1.1`];
	if (part.body !== undefined) request.push('Content-Type: application/json; type=entry');
	return [...head, '', ...request, '', part.body === undefined ? '' : JSON.stringify(part.body)];
}

export interface BatchResponsePart {
	status: number;
	contentId?: string;
	headers: Record<string, string>;
	body?: { error?: { code: string; message: string } } & Record<string, unknown>;
}

/** Every response part in order, changesets flattened. */
export function readBatchResponse(text: string, contentType: string): BatchResponsePart[] {
	const boundary = /boundary=([^;\s]+)/.exec(contentType)?.[1];
	if (!boundary) throw new Error(`no boundary in ${contentType}`);
	const parts: BatchResponsePart[] = [];
	for (const chunk of text.split(`--${boundary}`).slice(1)) {
		if (chunk.startsWith('--')) break;
		const nested = /Content-Type: multipart\/mixed; boundary=(\S+)/.exec(chunk);
		if (nested) parts.push(...readBatchResponse(chunk, `multipart/mixed; boundary=${nested[1]}`));
		else parts.push(readPart(chunk));
	}
	return parts;
}

function readPart(chunk: string): BatchResponsePart {
	const [mime, http = ''] = chunk.trim().split(/\r\n\r\n(?=HTTP\/1\.1)/);
	const contentId = /Content-ID: (\S+)/.exec(mime)?.[1];
	const [head, ...bodyParts] = http.split('\r\n\r\n');
	const [statusLine, ...headerLines] = head.split('\r\n');
	const headers: Record<string, string> = {};
	for (const line of headerLines) {
		const colon = line.indexOf(':');
		headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
	}
	const bodyText = bodyParts.join('\r\n\r\n').trim();
	return {
		status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]),
		contentId,
		headers,
		body: bodyText ? (JSON.parse(bodyText) as BatchResponsePart['body']) : undefined,
	};
}
