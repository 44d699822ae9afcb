import type { IDataObject } from 'n8n-workflow';

import type { ErpTransport, HttpRequest, HttpResult } from '../../nodes/shared/erp/types';
import { freeAgentBaseUrl } from '../../nodes/shared/erp/freeAgent/hosts';
import { answered, basicAuth, call } from '../sandbox/helpers';

/** One request over real HTTP (loopback), reduced to the transport contract. Shared with erply-transport.ts. */
export async function sendOverHttp(request: HttpRequest, extraHeaders: Record<string, string> = {}): Promise<HttpResult> {
	const url = new URL(request.url);
	for (const [name, value] of Object.entries(request.qs ?? {})) url.searchParams.set(name, String(value));
	const body = request.body;
	const result = await call(url.toString(), {
		method: request.method,
		headers: { accept: 'application/json', ...(request.headers ?? {}), ...extraHeaders },
		...(body === undefined
			? {}
			: request.form && typeof body === 'object'
				? { form: Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)])) }
				: { json: body }),
		timeoutMs: request.timeoutMs,
	});
	if (result.kind === 'failure') return { kind: 'failure', code: result.code, message: `simulated client saw ${result.code}`, sent: true };
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(result.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
	return { kind: 'response', status: result.status, headers, body: result.body };
}

export type FreeAgentCredentials = IDataObject & {
	environment: 'custom';
	baseUrl: string;
	clientId: string;
	clientSecret: string;
	oauthTokenData: { access_token: string; refresh_token: string };
};

/** What n8n's "Connect my account" does: approve_app → code → token_endpoint (client in Basic auth). */
export async function connectFreeAgent(baseUrl: string, clientSecret = 'sandbox-secret'): Promise<FreeAgentCredentials> {
	const approve = new URL(`${baseUrl}/v2/approve_app`);
	approve.search = new URLSearchParams({ client_id: 'sandbox-client', response_type: 'code', redirect_uri: 'http://127.0.0.1/callback', state: 's' }).toString();
	const redirect = answered(await call(approve.toString()));
	const code = new URL(String(redirect.headers.location)).searchParams.get('code') ?? '';
	const token = answered(
		await call(`${baseUrl}/v2/token_endpoint`, {
			headers: { authorization: basicAuth('sandbox-client', clientSecret) },
			form: { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1/callback' },
		}),
	);
	if (token.status !== 200) throw new Error(`FreeAgent token exchange failed: HTTP ${token.status} ${token.text}`);
	const { access_token, refresh_token } = token.body as { access_token: string; refresh_token: string };
	return { environment: 'custom', baseUrl, clientId: 'sandbox-client', clientSecret, oauthTokenData: { access_token, refresh_token } };
}

/**
 * Applies the credential like n8n's OAuth2 support: Bearer access token; on a 401, refresh once
 * (FreeAgent rotates the refresh token) and resend. Counts refreshes for the tests.
 */
export function freeAgentTransport(credentials: FreeAgentCredentials): ErpTransport & { refreshes: number } {
	const transport = {
		refreshes: 0,
		async send(request: HttpRequest): Promise<HttpResult> {
			const bearer = () => ({ authorization: `Bearer ${credentials.oauthTokenData.access_token}` });
			const first = await sendOverHttp(request, bearer());
			if (first.kind !== 'response' || first.status !== 401) return first;
			const refreshed = answered(
				await call(`${freeAgentBaseUrl(credentials)}/v2/token_endpoint`, {
					headers: { authorization: basicAuth(credentials.clientId, credentials.clientSecret) },
					form: { grant_type: 'refresh_token', refresh_token: credentials.oauthTokenData.refresh_token },
				}),
			);
			if (refreshed.status !== 200) return first;
			transport.refreshes += 1;
			credentials.oauthTokenData = refreshed.body as FreeAgentCredentials['oauthTokenData'];
			return await sendOverHttp(request, bearer());
		},
	};
	return transport;
}
