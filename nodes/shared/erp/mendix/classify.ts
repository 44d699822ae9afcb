import type { IDataObject } from 'n8n-workflow';
import type { HttpResult, PostResult } from '../types';
import { classifyRedirect, classifyTransportFailure, retryAfterMs, serverTroubleOutcome } from '../transport';

/** The message a Mendix service puts in `{message}` or `{error:{message}}`, else the text. */
export function mendixMessage(body: unknown): string | undefined {
	if (typeof body === 'string') return body.slice(0, 500) || undefined;
	const record = (body ?? {}) as { message?: unknown; error?: { message?: unknown } | string };
	if (typeof record.error === 'string') return record.error;
	if (typeof record.error?.message === 'string') return record.error.message;
	return typeof record.message === 'string' ? record.message : undefined;
}

/**
 * The service's contract: 201 created; 200 with the existing invoice (check-first microflow) → exists with its
 * id; 409 (unique constraint only) → exists, the engine looks the id up; 429 → retry later; 5xx (an
 * unhandled microflow exception, possibly after the commit) → ambiguous; other 4xx → permanent.
 */
export function classifyMendix(result: HttpResult): PostResult {
	if (result.kind === 'failure') return classifyTransportFailure(result);
	const redirect = classifyRedirect(result, 'Mendix');
	if (redirect) return redirect;
	const { status, body } = result;
	const message = mendixMessage(body) ?? `HTTP ${status}`;
	if (status === 200 || status === 201) {
		const answer = (typeof body === 'object' && body !== null ? body : {}) as IDataObject;
		const invoiceId = answer.invoiceId === undefined || answer.invoiceId === null ? '' : String(answer.invoiceId);
		if (answer.status === 'error') return { outcome: 'permanent', httpStatus: status, message };
		if (invoiceId === '') {
			// Accepted but unnamed: it may exist now; only a lookup can tell.
			return { outcome: 'ambiguous', httpStatus: status, message: `Mendix answered ${status} without an invoiceId` };
		}
		return {
			outcome: status === 201 ? 'created' : 'exists',
			erpId: invoiceId,
			httpStatus: status,
			message: typeof answer.message === 'string' ? answer.message : undefined,
			// The body the seed's robot expects to see again on every retry.
			response: { status: answer.status ?? 'success', invoiceId, message: answer.message ?? '' },
		};
	}
	if (status === 409) return { outcome: 'exists', httpStatus: status, message };
	if (status === 429) return { outcome: 'retryable', httpStatus: status, message, retryAfterMs: retryAfterMs(result.headers) };
	// An unhandled microflow exception may come after the commit; a bare 503 may come from the front end after forwarding.
	if (status >= 500) return { outcome: serverTroubleOutcome(status, { erpRefusedInBody: false, nativeUniqueness: false }), httpStatus: status, message };
	return { outcome: 'permanent', httpStatus: status, message };
}
