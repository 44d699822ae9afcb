import type { IDataObject } from 'n8n-workflow';

/**
 * What the credential (preAuthentication, test) and the adapter (every call, session renewal)
 * share about Erply's endpoint and login, so both log in the same way.
 */

/** Erply's longest session; fewer logins means fewer calls against the hourly quota. */
export const ERPLY_SESSION_LENGTH_SECONDS = 86400;

/** The API endpoint: the credential's `baseUrl` override, else `https://{clientCode}.erply.com/api/`. */
export function erplyEndpoint(credentials: IDataObject): string {
	const override = String(credentials.baseUrl ?? '').trim();
	if (override) return override;
	return `https://${String(credentials.clientCode ?? '').trim()}.erply.com/api/`;
}

/** The form of `request=verifyUser` (carries the password: never log it). */
export function verifyUserForm(credentials: IDataObject): Record<string, string> {
	return {
		request: 'verifyUser',
		clientCode: String(credentials.clientCode ?? ''),
		username: String(credentials.username ?? ''),
		password: String(credentials.password ?? ''),
		sessionLength: String(ERPLY_SESSION_LENGTH_SECONDS),
	};
}

export interface ErplyStatus {
	responseStatus?: string;
	errorCode?: number;
	errorField?: string;
	recordsTotal?: number;
	recordsInResponse?: number;
}

/** `status` and `records` of an Erply answer (HTTP 200 even for errors); undefined when it is not one. */
export function parseErplyBody(body: unknown): { status: ErplyStatus; records: IDataObject[] } | undefined {
	const parsed = typeof body === 'string' ? safeJson(body) : body;
	if (typeof parsed !== 'object' || parsed === null) return undefined;
	const { status, records } = parsed as { status?: unknown; records?: unknown };
	if (typeof status !== 'object' || status === null) return undefined;
	const raw = status as IDataObject;
	return {
		status: {
			responseStatus: typeof raw.responseStatus === 'string' ? raw.responseStatus : undefined,
			errorCode: raw.errorCode === undefined || raw.errorCode === null ? undefined : Number(raw.errorCode),
			errorField: typeof raw.errorField === 'string' && raw.errorField ? raw.errorField : undefined,
			recordsTotal: raw.recordsTotal === undefined ? undefined : Number(raw.recordsTotal),
			recordsInResponse: raw.recordsInResponse === undefined ? undefined : Number(raw.recordsInResponse),
		},
		records: Array.isArray(records) ? (records as IDataObject[]) : [],
	};
}

/** The session key of a successful verifyUser answer. */
export function sessionKeyOf(body: unknown): string | undefined {
	const parsed = parseErplyBody(body);
	if (parsed?.status.responseStatus !== 'ok') return undefined;
	const key = parsed.records[0]?.sessionKey;
	return typeof key === 'string' && key ? key : undefined;
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}
