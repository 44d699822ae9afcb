import type { IDataObject, IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';

import type {
	ErpTransport,
	HttpRequest,
	HttpResponse,
	HttpResult,
	PostResult,
	TransportFailure,
} from './types';

/** What n8n's `httpRequest` returns with `returnFullResponse: true`. */
interface FullResponse {
	body: unknown;
	headers: unknown;
	statusCode: number;
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_CANCELED']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ERR_SOCKET_CLOSED']);
const REFUSED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

const FAILURE_TEXT: Record<TransportFailure['code'], string> = {
	timeout: 'The ERP did not answer in time; the request may have been processed',
	reset: 'The connection was closed before the ERP answered; the request may have been processed',
	refused: 'The ERP could not be reached; nothing was sent',
	other: 'The request to the ERP failed',
};
const TOKEN_UNAVAILABLE_TEXT = "The ERP's token endpoint is temporarily unavailable; nothing was sent";
const TOKEN_REFUSED_TEXT = "The ERP's token endpoint refused the credential; nothing was sent — fix or reconnect the credential";

/**
 * The one place that does ERP HTTP: n8n applies the credential (`authenticate`), runs its
 * `preAuthentication` when the token is empty, and re-runs it once on a thrown 401.
 */
export function createErpTransport(fns: IExecuteFunctions, credentialType: string): ErpTransport {
	const call = async (options: IHttpRequestOptions) =>
		(await fns.helpers.httpRequestWithAuthentication.call(fns, credentialType, options)) as FullResponse;

	return {
		credentialId: fns.getNode().credentials?.[credentialType]?.id ?? undefined,
		async send(request: HttpRequest): Promise<HttpResult> {
			try {
				// Non-2xx statuses come back as answers: n8n's thrown errors drop the response headers
				// (Retry-After) and non-JSON bodies, which classification needs.
				const first = toHttpResponse(await call({ ...toRequestOptions(request), ignoreHttpStatusErrors: true }));
				if (first.status !== 401) return first;
				// n8n refreshes an expirable token only when a 401 is thrown: send once more in that mode.
				// A 401 means the gateway refused the request, so nothing was committed by the first send.
				// Fresh options: n8n's authenticate writes the old token into the ones it was given.
				return toHttpResponse(await call(toRequestOptions(request)));
			} catch (error) {
				return unwrapRequestError(error);
			}
		},
	};
}

function toRequestOptions(request: HttpRequest): IHttpRequestOptions {
	const options: IHttpRequestOptions = {
		method: request.method,
		url: request.url,
		headers: { ...(request.headers ?? {}) },
		json: true,
		returnFullResponse: true,
		// n8n re-attaches Authorization, basic auth and custom auth headers to a redirect, whatever its
		// host: a 3xx must come back as an answer (classifyRedirect), never be followed with credentials.
		disableFollowRedirect: true,
	};
	if (request.qs) options.qs = { ...request.qs };
	if (request.timeoutMs !== undefined) options.timeout = request.timeoutMs;
	if (request.body !== undefined) {
		// A URLSearchParams body makes n8n-core send it form-encoded with the right Content-Type.
		options.body =
			request.form && typeof request.body === 'object' ? toSearchParams(request.body) : request.body;
	}
	return options;
}

function toSearchParams(body: IDataObject): URLSearchParams {
	const params = new URLSearchParams();
	for (const [name, value] of Object.entries(body)) {
		if (value === undefined || value === null) continue;
		params.append(name, typeof value === 'object' ? JSON.stringify(value) : String(value));
	}
	return params;
}

function toHttpResponse(full: FullResponse): HttpResponse {
	return { kind: 'response', status: full.statusCode, headers: lowerCaseHeaders(full.headers), body: normaliseBody(full.body) };
}

function lowerCaseHeaders(headers: unknown): Record<string, string> {
	const result: Record<string, string> = {};
	if (!headers || typeof headers !== 'object') return result;
	// axios gives an AxiosHeaders instance; its toJSON() is the plain header map.
	const plain = typeof (headers as { toJSON?: unknown }).toJSON === 'function'
		? ((headers as { toJSON: () => unknown }).toJSON() as Record<string, unknown>)
		: (headers as Record<string, unknown>);
	for (const [name, value] of Object.entries(plain)) {
		if (value === undefined || value === null) continue;
		result[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
	}
	return result;
}

function normaliseBody(body: unknown): unknown {
	if (body === '' || body === null) return undefined;
	return body;
}

interface ErrorLike {
	code?: unknown;
	message?: unknown;
	messages?: unknown;
	httpCode?: unknown;
	cause?: unknown;
	errorResponse?: unknown;
	context?: { data?: unknown };
	body?: unknown;
	description?: unknown;
	response?: { status?: unknown; headers?: unknown; data?: unknown };
}

/**
 * Reduce what `httpRequestWithAuthentication` threw to an answer or a transport failure. n8n wraps
 * the AxiosError in a NodeApiError; depending on the version the AxiosError survives as `cause`
 * (or is the error itself), or only its traces remain: `httpCode` (status or error code),
 * `context.data` (a JSON object body) and `messages` (the original messages).
 */
export function unwrapRequestError(error: unknown): HttpResult {
	const layers = errorLayers(error);

	for (const layer of layers) {
		const status = Number(layer.response?.status);
		if (layer.response && Number.isInteger(status) && status > 0) {
			return {
				kind: 'response',
				status,
				headers: lowerCaseHeaders(layer.response.headers),
				body: normaliseBody(layer.response.data),
			};
		}
	}

	const outer = layers[0] ?? {};
	const httpCode = typeof outer.httpCode === 'string' ? outer.httpCode : undefined;
	if (httpCode && /^\d{3}$/.test(httpCode)) {
		return {
			kind: 'response',
			status: Number(httpCode),
			headers: {},
			body: outer.context?.data ?? (typeof outer.description === 'string' ? outer.description : undefined),
		};
	}

	const codes = layers
		.map((layer) => layer.code)
		.concat(httpCode)
		.filter((code): code is string => typeof code === 'string');
	const texts = layers.flatMap((layer) => [layer.message, ...(Array.isArray(layer.messages) ? layer.messages : [])]).filter(
		(text): text is string => typeof text === 'string',
	);
	if (isTransientTokenError(layers, codes, texts)) {
		return { kind: 'failure', code: 'refused', sent: false, message: TOKEN_UNAVAILABLE_TEXT };
	}
	const kind = failureKind(codes, texts);
	if (kind === 'other' && codes.includes('EAUTH')) {
		// The token endpoint refused the credential (invalid_client, invalid_grant: a wrong secret, a revoked refresh token).
		return { kind: 'failure', code: 'other', sent: false, message: `${TOKEN_REFUSED_TEXT}: ${firstSafeText(texts)}` };
	}
	const detail = codes.find((code) => /^E[A-Z_]+$/.test(code));
	return {
		kind: 'failure',
		code: kind,
		// Unrecognised errors come from before the send (a malformed credential, a missing one).
		sent: kind === 'timeout' || kind === 'reset',
		message: detail ? `${FAILURE_TEXT[kind]} (${detail})` : kind === 'other' ? firstSafeText(texts) : FAILURE_TEXT[kind],
	};
}

function errorLayers(error: unknown): ErrorLike[] {
	const layers: ErrorLike[] = [];
	let current: unknown = error;
	// Walk `cause` / `errorResponse` a few levels: NodeApiError may wrap another NodeApiError.
	for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
		const layer = current as ErrorLike;
		layers.push(layer);
		current = layer.cause ?? layer.errorResponse;
	}
	return layers;
}

/**
 * RFC 6749 §5.2 errors a token endpoint gives when it is overloaded or down (Entra ID throttles with
 * `temporarily_unavailable`). n8n's OAuth2 client throws them as EAUTH, sometimes with only the RFC's
 * description left: nothing reached the ERP, so they are worth another try, unlike `invalid_client`.
 */
const TRANSIENT_TOKEN_ERRORS = new Set(['temporarily_unavailable', 'server_error']);
const TRANSIENT_TOKEN_TEXT = /temporary overloading or maintenance|encountered an unexpected condition/i;

function isTransientTokenError(layers: ErrorLike[], codes: string[], texts: string[]): boolean {
	if (!codes.includes('EAUTH')) return false;
	const named = layers.some((layer) => {
		const body = layer.body as { error?: unknown } | undefined;
		return typeof body?.error === 'string' && TRANSIENT_TOKEN_ERRORS.has(body.error);
	});
	return named || texts.some((text) => TRANSIENT_TOKEN_TEXT.test(text));
}

function failureKind(codes: string[], texts: string[]): TransportFailure['code'] {
	if (codes.some((code) => TIMEOUT_CODES.has(code))) return 'timeout';
	if (codes.some((code) => RESET_CODES.has(code))) return 'reset';
	if (codes.some((code) => REFUSED_CODES.has(code))) return 'refused';
	const text = texts.join(' ');
	if (/timeout of \d+ms exceeded|ETIMEDOUT|ECONNABORTED|timed out/i.test(text)) return 'timeout';
	if (/socket hang up|ECONNRESET|EPIPE/i.test(text)) return 'reset';
	if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/i.test(text)) return 'refused';
	return 'other';
}

function firstSafeText(texts: string[]): string {
	// Our credentials' own errors (e.g. a malformed .ionapi file) carry clear, secret-free text.
	return texts.find((text) => text.length > 0 && text.length < 500) ?? FAILURE_TEXT.other;
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(headers: Record<string, string>, now: number = Date.now()): number | undefined {
	const value = headers['retry-after']?.trim();
	if (!value) return undefined;
	if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
	const at = Date.parse(value);
	return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The outcome of a request that got no HTTP answer (the same on every ERP). */
export function classifyTransportFailure(failure: TransportFailure): PostResult {
	if (failure.code === 'timeout' || failure.code === 'reset') return { outcome: 'ambiguous', message: failure.message };
	if (failure.code === 'refused') return { outcome: 'retryable', message: failure.message };
	return { outcome: failure.sent ? 'ambiguous' : 'permanent', message: failure.message };
}

/** `work` over every item with at most `limit` running at once; results in input order. */
export async function mapWithConcurrency<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
	const results = new Array<R>(items.length);
	let next = 0;
	const worker = async () => {
		while (next < items.length) {
			const index = next++;
			results[index] = await work(items[index], index);
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
	return results;
}

/** Whether a lookup that failed this way is worth trying again later (throttled, down, no answer). */
export function isTransientFailure(result: HttpResult): boolean {
	if (result.kind === 'failure') return result.code !== 'other';
	return result.status === 429 || result.status === 408 || result.status >= 500;
}

/** `HTTP 500`, or for a redirect `HTTP 307 redirecting to <where> (not followed)`: what a lookup error says. */
export function statusText(response: HttpResponse): string {
	const redirected = response.status >= 300 && response.status < 400;
	return redirected ? `HTTP ${response.status} redirecting to ${redirectTarget(response.headers)} (not followed)` : `HTTP ${response.status}`;
}

/** Where a 3xx points, without its query or fragment (those may carry the other host's tokens). */
export function redirectTarget(headers: Record<string, string>): string {
	const location = headers.location?.trim();
	if (!location) return 'no Location';
	return location.split(/[?#]/)[0].slice(0, 200);
}

/**
 * A 3xx to a create is an answer, never followed (credentials would travel to wherever it points).
 * 307/308 say "repeat this request there" (RFC 9110 §15.4.8–9): nothing was processed here, so the
 * invoice is refused as permanent, to fix the URL. Other 3xx may follow a processed POST (303 is the
 * POST-redirect-GET answer; 301/302 are used the same way): the invoice may exist, so it is
 * ambiguous and verified by lookup. Neither is ever `created`. Undefined when not a redirect.
 */
export function classifyRedirect(result: HttpResult, who: string): PostResult | undefined {
	if (result.kind !== 'response' || result.status < 300 || result.status >= 400) return undefined;
	const { status } = result;
	const where = redirectTarget(result.headers);
	if (status === 307 || status === 308) {
		return {
			outcome: 'permanent',
			httpStatus: status,
			message: `${who} answered HTTP ${status} redirecting to ${where}; redirects are never followed with credentials and nothing was processed: point the credential or settings at the final URL`,
		};
	}
	return {
		outcome: 'ambiguous',
		httpStatus: status,
		message: `${who} answered HTTP ${status} redirecting to ${where}; redirects are never followed with credentials, and the invoice may have been created: verify by reference`,
	};
}

/**
 * The shared rule for 5xx (and 408 where the ERP uses it): ambiguity is decided by evidence, not by
 * the status. A gateway answers 502/503/504 after forwarding when the upstream reset (Envoy "upstream
 * reset before headers", API gateways on a backend that closed early), so "nothing was stored" needs
 * the ERP's own error body saying it refused the request; without it the create may have committed
 * and must be verified — unless the ERP itself refuses a second copy (native uniqueness), which makes
 * a resend safe. 500/502/504 always stay ambiguous.
 */
export function serverTroubleOutcome(
	status: number,
	evidence: { erpRefusedInBody: boolean; nativeUniqueness: boolean },
): 'retryable' | 'ambiguous' {
	if (status !== 503 && status !== 408) return 'ambiguous';
	return evidence.erpRefusedInBody || evidence.nativeUniqueness ? 'retryable' : 'ambiguous';
}

/**
 * An idempotency key as an HTTP header value: printable ASCII as is, anything else (non-ASCII, CR,
 * LF, other controls) as the base64url of its UTF-8 bytes — so every key can be sent and none can
 * inject a header. For ids an ERP only logs (Infor's X-Correlation-ID).
 */
export function headerToken(key: string): string {
	return /^[\x21-\x7e]+$/.test(key) ? key : Buffer.from(key, 'utf8').toString('base64url');
}

/**
 * Why a reference cannot go into a URL path segment, or undefined when it can. `.`/`..` (also as
 * `%2e`) walk up the path once the URL is normalised, `/` `\` start new segments, `?` `#` end the
 * path, and percent-escapes are decoded again by some servers: refused rather than encoded.
 */
export function unsafePathReference(reference: string): string | undefined {
	if (reference === '') return 'it is empty';
	if (/^(\.|%2e)+$/i.test(reference)) return 'it is a dot segment (. or ..)';
	if (/[/\\?#]/.test(reference)) return 'it contains / \\ ? or #';
	if (/%[0-9a-f]{2}/i.test(reference)) return 'it contains a percent-escape';
	if ([...reference].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f)) return 'it contains a control character';
	return undefined;
}
