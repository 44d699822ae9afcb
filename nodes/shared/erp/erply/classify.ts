import { DateTime } from 'luxon';

import type { HttpResult, PostResult } from '../types';
import { classifyRedirect, classifyTransportFailure, serverTroubleOutcome } from '../transport';
import { parseErplyBody } from './endpoint';

/** Erply's own words for the codes the package acts on (learn-api.erply.com, "Error codes"). */
const ERROR_TEXT: Record<number, string> = {
	1000: 'API is under maintenance',
	1002: 'hourly request quota exceeded',
	1003: 'cannot connect to the account database',
	1008: 'database not available or too many connections',
	1009: 'authentication parameters missing',
	1010: 'required parameter missing',
	1011: 'invalid ID, no such item',
	1012: 'parameter must have a unique value',
	1013: 'inconsistent parameter set',
	1014: 'incorrect data type or format',
	1015: 'malformed request',
	1016: 'invalid value',
	1020: 'bulk request holds more than 100 calls',
	1050: 'username or password incorrect',
	1051: 'login failed',
	1052: 'user temporarily blocked',
	1054: 'session expired',
	1055: 'session not found',
	1060: 'no viewing rights',
	1061: 'no adding rights',
	1062: 'no editing rights',
	1063: 'no deleting rights',
	1064: 'no rights for this location',
	1065: 'no rights for this action',
	1204: 'the document is being deleted',
	1205: 'the document is being saved by another request',
	1206: 'a document with this temporaryUUID was already created',
};

/** Maintenance and database trouble: nothing was done, try again later. */
export const ERPLY_RETRY_LATER_CODES = new Set([1000, 1003, 1008]);
export const ERPLY_QUOTA_CODE = 1002;
/** Expired or unknown session: log in again (once) and resend. */
export const ERPLY_SESSION_CODES = new Set([1054, 1055]);
export const ERPLY_ALREADY_CREATED_CODE = 1206;
/** Another request holds the document: on a create, the first attempt may still commit. */
export const ERPLY_IN_PROGRESS_CODES = new Set([1204, 1205]);

/** `Erply error 1011 (invalid ID, no such item) in field customerID` — code, meaning and field. */
export function erplyErrorMessage(errorCode: number, errorField?: string): string {
	const text = ERROR_TEXT[errorCode];
	return `Erply error ${errorCode}${text ? ` (${text})` : ''}${errorField ? ` in field ${errorField}` : ''}`;
}

/** Start of the next hour: Erply's quota counts requests per clock hour. */
export function startOfNextHour(): number {
	return DateTime.now().startOf('hour').plus({ hours: 1 }).toMillis();
}

/** Reduce an answer to `saveSalesDocument` to an outcome (HTTP 200 even for errors: status.errorCode decides). */
export function classifyErply(result: HttpResult): PostResult {
	if (result.kind === 'failure') {
		// The shared rule: a timeout or reset is ambiguous, a refused connection retryable, and a failure
		// before anything was sent (a rejected or revoked credential) permanent — waiting cannot fix it.
		const transport = classifyTransportFailure(result);
		return { ...transport, message: `Erply: ${transport.message}` };
	}
	const redirect = classifyRedirect(result, 'Erply');
	if (redirect) return redirect;
	const httpStatus = result.status;
	if (httpStatus === 429) {
		return { outcome: 'retryable', httpStatus, message: 'Erply throttled the request (HTTP 429)' };
	}
	// Erply reports its own errors with HTTP 200: a 5xx comes from a front end, maybe after forwarding.
	if (httpStatus >= 500) {
		return { outcome: serverTroubleOutcome(httpStatus, { erpRefusedInBody: false, nativeUniqueness: false }), httpStatus, message: `Erply answered HTTP ${httpStatus}` };
	}
	if (httpStatus >= 400) return { outcome: 'permanent', httpStatus, message: `Erply answered HTTP ${httpStatus}` };

	const parsed = parseErplyBody(result.body);
	if (!parsed) {
		return { outcome: 'ambiguous', httpStatus, message: 'Erply answered without a status: the save may have happened' };
	}
	const { status, records } = parsed;
	if (status.responseStatus === 'ok' && !status.errorCode) {
		const invoiceId = records[0]?.invoiceID;
		if (invoiceId === undefined || invoiceId === null || invoiceId === '') {
			return { outcome: 'ambiguous', httpStatus, message: 'Erply confirmed the save without an invoiceID' };
		}
		// Erply's duplicate detection answers a repeated document with the existing id as a
		// success: it is the same document either way, so `created` with that id is right.
		return {
			outcome: 'created',
			erpId: String(invoiceId),
			httpStatus,
			response: { id: String(invoiceId), ...(records[0]?.invoiceNo ? { number: String(records[0].invoiceNo) } : {}) },
		};
	}
	const code = status.errorCode ?? 0;
	const message = erplyErrorMessage(code, status.errorField);
	if (code === ERPLY_ALREADY_CREATED_CODE) return { outcome: 'exists', httpStatus, message };
	if (ERPLY_IN_PROGRESS_CODES.has(code)) {
		return { outcome: 'ambiguous', httpStatus, message: `${message}: the create is still in progress, verify before retrying` };
	}
	if (code === ERPLY_QUOTA_CODE) return { outcome: 'retryable', httpStatus, message, retryNotBefore: startOfNextHour() };
	if (ERPLY_RETRY_LATER_CODES.has(code)) return { outcome: 'retryable', httpStatus, message };
	// 1009–1016, 1020, 1050–1052, 1054/1055 after one renewal, 1060–1065 and anything unknown:
	// the request itself is refused and nothing was saved.
	return { outcome: 'permanent', httpStatus, message };
}
