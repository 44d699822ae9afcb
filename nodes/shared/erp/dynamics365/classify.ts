import type { IDataObject } from 'n8n-workflow';
import type { HttpResponse, HttpResult, PostResult } from '../types';
import { classifyRedirect, classifyTransportFailure, retryAfterMs, serverTroubleOutcome } from '../transport';
import { entityKeyFromUrl, odataError } from './odata';
import type { DataverseSettings } from './settings';

/**
 * Dataverse's "already there" answers, whatever the HTTP status: the seed's 409
 * DuplicateRecord, 0x80040237 duplicate key, 0x80060892 alternate-key conflict, and 0x80040333 from a
 * duplicate-detection rule (which Dataverse sends with HTTP 500 — it must not be read as ambiguous).
 */
export const DATAVERSE_DUPLICATE_CODES = ['DuplicateRecord', '0x80040237', '0x80060892', '0x80040333'];

type IdFields = Pick<DataverseSettings, 'idField' | 'invoiceNumberField'>;

/** Reduce one Dataverse answer (a whole response or one `$batch` part) to an outcome. */
export function classifyDataverse(result: HttpResult, fields: IdFields): PostResult {
	if (result.kind === 'failure') return classifyTransportFailure(result);
	const redirect = classifyRedirect(result, 'Dataverse');
	if (redirect) return redirect;
	const { status } = result;
	if (status >= 200 && status < 300) return createdResult(result, fields);

	const { code, message: erpMessage } = odataError(result.body);
	const message = [code, erpMessage].filter(Boolean).join(': ') || `HTTP ${status}`;
	const base = { httpStatus: status, message, response: { status, ...(code ? { code } : {}) } };
	// 412 answers `If-None-Match: *` on the alternate key: the record exists.
	if (status === 409 || status === 412 || (code !== undefined && DATAVERSE_DUPLICATE_CODES.includes(code))) {
		return { ...base, outcome: 'exists' };
	}
	if (status === 429) return { ...base, outcome: 'retryable', retryAfterMs: retryAfterMs(result.headers) };
	// Dataverse gives no sign that a 5xx happened before the write: it must be verified (the shared rule
	// with no refusal in the body and, without an alternate key, no uniqueness to lean on).
	if (status >= 500) return { ...base, outcome: serverTroubleOutcome(status, { erpRefusedInBody: false, nativeUniqueness: false }) };
	return { ...base, outcome: 'permanent' };
}

function createdResult(response: HttpResponse, fields: IdFields): PostResult {
	const record = isObject(response.body) ? response.body : {};
	const erpId =
		stringOrUndefined(record[fields.idField]) ??
		entityKeyFromUrl(response.headers['odata-entityid']) ??
		entityKeyFromUrl(record['@odata.id']);
	const invoiceNumber = stringOrUndefined(record[fields.invoiceNumberField]);
	const summary: IDataObject = { status: response.status };
	if (erpId) summary.id = erpId;
	if (invoiceNumber) summary.number = invoiceNumber;
	// A success that names no record cannot be confirmed: verify it like a lost answer.
	if (!erpId) {
		return {
			outcome: 'ambiguous',
			httpStatus: response.status,
			message: 'Dataverse accepted the invoice but returned neither OData-EntityId nor its id',
			response: summary,
		};
	}
	return { outcome: 'created', erpId, httpStatus: response.status, response: summary };
}

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOrUndefined(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined;
}
