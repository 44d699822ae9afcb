import type { IDataObject } from 'n8n-workflow';

import { classifyRedirect, classifyTransportFailure, retryAfterMs, serverTroubleOutcome } from '../transport';
import type { HttpResponse, HttpResult, PostResult } from '../types';

/** The Infor gateway's and AR API's error text: `{error:{code,message}}`, `{error:"…"}`, `{message}`, or plain text. */
export function inforErrorText(body: unknown): string | undefined {
	if (typeof body === 'string') return body.trim().slice(0, 500) || undefined;
	if (!body || typeof body !== 'object') return undefined;
	const record = body as Record<string, unknown>;
	const error = record.error;
	if (error && typeof error === 'object') {
		const nested = error as Record<string, unknown>;
		if (typeof nested.message === 'string') return nested.code ? `${String(nested.code)}: ${nested.message}` : nested.message;
	}
	if (typeof error === 'string') {
		return typeof record.error_description === 'string' ? `${error}: ${record.error_description}` : error;
	}
	if (typeof record.message === 'string') return record.message;
	return undefined;
}

function withText(prefix: string, body: unknown): string {
	const text = inforErrorText(body);
	return text ? `${prefix}: ${text}` : prefix;
}

/** The AR API's own error shape `{error:{code,message}}` — not a gateway's or proxy's page. */
function isInforErrorBody(body: unknown): boolean {
	const error = body && typeof body === 'object' ? (body as { error?: unknown }).error : undefined;
	return !!error && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string';
}

/**
 * An answer that is not a success, for one invoice or a whole batch (the outcome
 * table): 3xx → never followed (see classifyRedirect), 429 → retryable (Retry-After), 503 →
 * retryable only when the AR API itself said so in its error body (a gateway's bare 503 may come
 * after it forwarded: ambiguous), 500/502/504 → ambiguous (the write may be committed), 401 after
 * n8n's one refresh → permanent, 409 → exists (no id: the engine verifies it), other 4xx → permanent.
 */
export function classifyInforFailure(response: HttpResponse): PostResult {
	const redirect = classifyRedirect(response, 'Infor');
	if (redirect) return redirect;
	const { status, body } = response;
	if (status === 429) {
		return {
			outcome: 'retryable',
			httpStatus: status,
			retryAfterMs: retryAfterMs(response.headers),
			message: withText('Infor throttled the request (HTTP 429)', body),
		};
	}
	if (status === 503 && serverTroubleOutcome(status, { erpRefusedInBody: isInforErrorBody(body), nativeUniqueness: false }) === 'retryable') {
		return { outcome: 'retryable', httpStatus: status, message: withText('Infor is unavailable (HTTP 503)', body) };
	}
	if (status === 401) {
		return { outcome: 'permanent', httpStatus: status, message: withText('Infor rejected the credentials (HTTP 401)', body) };
	}
	if (status === 409) return { outcome: 'exists', httpStatus: status, message: withText('Infor reports the invoice exists', body) };
	if (status >= 400 && status < 500) {
		return { outcome: 'permanent', httpStatus: status, message: withText(`Infor refused the invoice (HTTP ${status})`, body) };
	}
	return {
		outcome: 'ambiguous',
		httpStatus: status,
		message: withText(`Infor answered HTTP ${status}; the invoice may have been created`, body),
	};
}

/** One invoice's answer: 201 `{id, invoiceNumber, externalReference, status}` → created. */
export function classifyInforCreate(result: HttpResult): PostResult {
	if (result.kind === 'failure') return classifyTransportFailure(result);
	if (result.status < 200 || result.status >= 300) return classifyInforFailure(result);
	const body = (result.body && typeof result.body === 'object' ? result.body : {}) as IDataObject;
	if (body.id === undefined || body.id === null || body.id === '') {
		// Committed but unnamed: only a lookup by reference can tell which record it is.
		return { outcome: 'ambiguous', httpStatus: result.status, message: `Infor answered HTTP ${result.status} without an invoice id` };
	}
	return {
		outcome: 'created',
		erpId: String(body.id),
		httpStatus: result.status,
		response: smallInvoice(body),
	};
}

export function smallInvoice(body: IDataObject): IDataObject {
	const small: IDataObject = {};
	for (const name of ['id', 'invoiceNumber', 'externalReference', 'status']) {
		if (body[name] !== undefined) small[name] = body[name];
	}
	return small;
}
