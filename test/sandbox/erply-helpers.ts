/** Test-side helpers for the Erply simulator: form calls and the status envelope. */

export const ERPLY_ACCOUNT = { clientCode: 'sandbox', username: 'demo', password: 'demo-password' };

export interface ErplyAnswer {
	httpStatus: number;
	status: { request: string; responseStatus: 'ok' | 'error'; errorCode: number; errorField?: string; recordsTotal: number; recordsInResponse: number };
	records: Array<Record<string, unknown>>;
}

export async function erply(base: string, request: string, fields: Record<string, string> = {}): Promise<ErplyAnswer> {
	const response = await fetch(`${base}/api/`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
		body: new URLSearchParams({ request, clientCode: ERPLY_ACCOUNT.clientCode, ...fields }).toString(),
	});
	const body = (await response.json()) as Omit<ErplyAnswer, 'httpStatus'>;
	return { httpStatus: response.status, ...body };
}

export async function openSession(base: string, sessionLength = 3600): Promise<string> {
	const answer = await erply(base, 'verifyUser', { username: ERPLY_ACCOUNT.username, password: ERPLY_ACCOUNT.password, sessionLength: String(sessionLength) });
	if (answer.status.responseStatus !== 'ok') throw new Error(`verifyUser failed with ${answer.status.errorCode}`);
	return String(answer.records[0].sessionKey);
}

export function salesDocument(overrides: Record<string, string> = {}): Record<string, string> {
	return {
		type: 'INVWAYBILL',
		customerID: '17',
		currencyCode: 'EUR',
		productID1: '501',
		amount1: '2',
		price1: '12.50',
		vatrateID1: '1',
		...overrides,
	};
}
