import type { IDataObject } from 'n8n-workflow';

import type { HttpResponse, HttpResult, PostResult } from '../types';
import { classifyRedirect, classifyTransportFailure, serverTroubleOutcome } from '../transport';

/**
 * FreeAgent's wording for a duplicate reference is unverified ("Reference has already been
 * taken" is reported), so the match is loose and the node setting `referenceTakenPattern` can
 * replace it.
 */
export const DEFAULT_REFERENCE_TAKEN_PATTERN =
	'reference[\\s\\S]*(taken|already)|(taken|already)[\\s\\S]*reference';

/** FreeAgent does not promise a Retry-After header on 429; its limit window is a minute. */
export const FREEAGENT_DEFAULT_RETRY_AFTER_MS = 60_000;

/** FreeAgent errors: `{"errors":[{"message"}]}` or `{"errors":{"error":{"message"}}}`. */
export function freeAgentErrorMessage(body: unknown): string | undefined {
	if (typeof body === 'string') return body.trim() ? body.trim().slice(0, 500) : undefined;
	if (!isObject(body)) return undefined;
	const errors = body.errors;
	const entries: unknown[] = Array.isArray(errors)
		? errors
		: isObject(errors)
			? Array.isArray(errors.error)
				? errors.error
				: [errors.error ?? errors]
			: [];
	const messages = entries
		.map((entry) => (isObject(entry) ? entry.message : entry))
		.filter((message): message is string => typeof message === 'string' && message.length > 0);
	return messages.length ? messages.join('; ') : undefined;
}

/** Milliseconds from a Retry-After header (delta seconds or an HTTP date). */
export function retryAfterMs(headers: Record<string, string>, now = Date.now()): number | undefined {
	const value = headers['retry-after']?.trim();
	if (!value) return undefined;
	if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
	const date = Date.parse(value);
	return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function classifyFreeAgent(
	result: HttpResult,
	referenceTakenPattern: string = DEFAULT_REFERENCE_TAKEN_PATTERN,
): PostResult {
	if (result.kind === 'failure') {
		// The shared rule: a timeout or reset is ambiguous, a refused connection retryable, and a failure
		// before anything was sent (a rejected or revoked credential) permanent — waiting cannot fix it.
		const transport = classifyTransportFailure(result);
		return { ...transport, message: `FreeAgent: ${transport.message}` };
	}
	const redirect = classifyRedirect(result, 'FreeAgent');
	if (redirect) return redirect;
	const { status } = result;
	const message = freeAgentErrorMessage(result.body);
	if (status >= 200 && status < 300) return classifySuccess(result);
	if (status === 422 && message && referenceTakenMatcher(referenceTakenPattern).test(message)) {
		return { outcome: 'exists', httpStatus: status, message };
	}
	if (status === 429) {
		return {
			outcome: 'retryable',
			httpStatus: status,
			message: message ?? 'FreeAgent rate limit reached',
			retryAfterMs: retryAfterMs(result.headers) ?? FREEAGENT_DEFAULT_RETRY_AFTER_MS,
		};
	}
	// FreeAgent documents nothing about what a 5xx left behind: verify before any retry.
	if (status >= 500) {
		// Ambiguous even on a 503: the reference is unique, but an `exists` then needs a lookup anyway.
		return { outcome: serverTroubleOutcome(status, { erpRefusedInBody: false, nativeUniqueness: false }), httpStatus: status, message: message ?? `FreeAgent answered HTTP ${status}` };
	}
	return { outcome: 'permanent', httpStatus: status, message: message ?? `FreeAgent answered HTTP ${status}` };
}

function classifySuccess(result: HttpResponse): PostResult {
	const invoice = isObject(result.body) && isObject(result.body.invoice) ? result.body.invoice : undefined;
	const url = typeof invoice?.url === 'string' ? invoice.url : undefined;
	if (!url) {
		// A success without the invoice's URL: it was probably created, but we cannot name it.
		return {
			outcome: 'ambiguous',
			httpStatus: result.status,
			message: `FreeAgent answered HTTP ${result.status} without the invoice URL`,
		};
	}
	return {
		outcome: 'created',
		erpId: url,
		httpStatus: result.status,
		response: compact({ id: url, reference: invoice?.reference, status: invoice?.status }),
	};
}

function referenceTakenMatcher(pattern: string): RegExp {
	try {
		return new RegExp(pattern, 'i');
	} catch {
		return new RegExp(DEFAULT_REFERENCE_TAKEN_PATTERN, 'i');
	}
}

function compact(object: IDataObject): IDataObject {
	return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
