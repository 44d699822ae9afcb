/**
 * Test-only transports that speak real HTTP (Node's fetch) to the sandbox and apply our credentials
 * the way n8n does: property defaults and `={{…}}` expressions resolved (`$self` / `$credentials`),
 * OAuth2 client-credentials token fetched with the body method and refreshed once on a 401.
 * Not n8n itself: the n8n-level proof is the integration tests through WorkflowExecute.
 */
import type { ICredentialDataDecryptedObject, ICredentialType, IHttpRequestOptions } from 'n8n-workflow';
import type { ErpTransport, HttpRequest, HttpResult } from '../../nodes/shared/erp/types';

/** `={{ a }}/x/{{ b }}` evaluated as n8n would for these simple expressions. */
export function resolveExpression(value: unknown, data: Record<string, unknown>): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const names = Object.keys(data);
	return value.slice(1).replace(/\{\{([\s\S]*?)\}\}/g, (_match, code: string) => {
		// eslint-disable-next-line @typescript-eslint/no-implied-eval -- test helper evaluating our own credential expressions
		const evaluate = new Function(...names, `return (${code});`) as (...args: unknown[]) => unknown;
		return String(evaluate(...names.map((name) => data[name])));
	});
}

/** The decrypted credential as n8n hands it over: defaults of every property, the user's values, expressions resolved. */
export function credentialData(type: ICredentialType, given: Record<string, unknown>): ICredentialDataDecryptedObject {
	const data: Record<string, unknown> = {};
	for (const property of type.properties) data[property.name] = property.default;
	Object.assign(data, given);
	for (const [name, value] of Object.entries(data)) data[name] = resolveExpression(value, { $self: data });
	return data as ICredentialDataDecryptedObject;
}

/** A plain HTTP call reduced to an HttpResult, like nodes/shared/erp/transport.ts does over n8n. */
export async function sendWithFetch(request: HttpRequest): Promise<HttpResult> {
	const url = new URL(request.url);
	for (const [name, value] of Object.entries(request.qs ?? {})) url.searchParams.append(name, String(value));
	const headers: Record<string, string> = { ...(request.headers ?? {}) };
	let body: string | undefined;
	if (typeof request.body === 'string') body = request.body;
	else if (request.body && request.form) {
		body = new URLSearchParams(Object.entries(request.body).map(([k, v]): [string, string] => [k, String(v)])).toString();
		headers['Content-Type'] ??= 'application/x-www-form-urlencoded';
	} else if (request.body) {
		body = JSON.stringify(request.body);
		if (!Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
	}
	try {
		const response = await fetch(url, {
			method: request.method,
			headers,
			body,
			signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
		});
		const text = await response.text();
		const lowerHeaders: Record<string, string> = {};
		response.headers.forEach((value, name) => (lowerHeaders[name.toLowerCase()] = value));
		let parsed: unknown = text === '' ? undefined : text;
		if (/json/i.test(lowerHeaders['content-type'] ?? '') && text !== '') parsed = JSON.parse(text);
		return { kind: 'response', status: response.status, headers: lowerHeaders, body: parsed };
	} catch (error) {
		const cause = (error as { cause?: { code?: string } }).cause?.code ?? '';
		const name = (error as Error).name;
		if (name === 'TimeoutError' || name === 'AbortError') return { kind: 'failure', code: 'timeout', message: 'timed out', sent: true };
		if (cause === 'ECONNREFUSED') return { kind: 'failure', code: 'refused', message: cause, sent: false };
		if (cause === 'ECONNRESET' || cause === 'UND_ERR_SOCKET') return { kind: 'failure', code: 'reset', message: cause, sent: true };
		return { kind: 'failure', code: 'other', message: String((error as Error).message), sent: true };
	}
}

/** n8n's credential test request (`test.request`) as an HttpRequest. */
export function credentialTestRequest(type: ICredentialType, credentials: Record<string, unknown>): HttpRequest {
	const request = type.test!.request;
	const resolve = (value: unknown) => resolveExpression(value, { $credentials: credentials }) as string;
	return {
		method: (request.method ?? 'GET') as HttpRequest['method'],
		url: resolve(request.baseURL ?? '') + resolve(request.url ?? ''),
		qs: request.qs as HttpRequest['qs'],
		headers: request.headers as Record<string, string>,
	};
}

/** Applies a credential's `authenticate` function (the shape n8n calls) to a request. */
export async function applyAuthenticate(
	type: ICredentialType,
	credentials: ICredentialDataDecryptedObject,
	request: HttpRequest,
): Promise<HttpRequest> {
	if (typeof type.authenticate !== 'function') return request;
	const options = await type.authenticate(credentials, { url: request.url, headers: { ...(request.headers ?? {}) } } as IHttpRequestOptions);
	const headers = { ...(options.headers as Record<string, string>) };
	if (options.auth) {
		headers.Authorization = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
	}
	return { ...request, headers };
}

/** What an OAuth2 client-credentials credential does in n8n: token on first use, refreshed once on a 401. */
export class OAuth2ClientCredentialsTransport implements ErpTransport {
	private accessToken: string | undefined;
	tokenRequests = 0;

	constructor(private readonly credentials: ICredentialDataDecryptedObject) {}

	async send(request: HttpRequest): Promise<HttpResult> {
		if (!this.accessToken) {
			const failed = await this.fetchToken();
			if (failed) return failed;
		}
		const first = await sendWithFetch(this.withToken(request));
		if (first.kind !== 'response' || first.status !== 401) return first;
		const failed = await this.fetchToken();
		return failed ?? (await sendWithFetch(this.withToken(request)));
	}

	private withToken(request: HttpRequest): HttpRequest {
		return { ...request, headers: { ...(request.headers ?? {}), Authorization: `Bearer ${this.accessToken}` } };
	}

	/** undefined when a token was obtained; otherwise the token endpoint's answer (n8n would throw it). */
	private async fetchToken(): Promise<HttpResult | undefined> {
		this.tokenRequests += 1;
		const answer = await sendWithFetch({
			method: 'POST',
			url: String(this.credentials.accessTokenUrl),
			form: true,
			body: {
				grant_type: 'client_credentials',
				client_id: String(this.credentials.clientId),
				client_secret: String(this.credentials.clientSecret),
				scope: String(this.credentials.scope),
			},
		});
		const token = answer.kind === 'response' ? (answer.body as { access_token?: string } | undefined)?.access_token : undefined;
		if (answer.kind === 'response' && answer.status === 200 && token) {
			this.accessToken = token;
			return undefined;
		}
		return answer;
	}
}
