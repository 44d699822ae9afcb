import * as http from 'http';

/** Test-side helpers for the FreeAgent simulator: the authorization-code dance and API calls. */

export const FREEAGENT_CLIENT = { clientId: 'sandbox-client', clientSecret: 'sandbox-secret', redirectUri: 'http://127.0.0.1:9/callback' };
export const USER_AGENT = 'n8n-nodes-idempotent-invoice tests';

export interface FreeAgentTokens {
	access_token: string;
	refresh_token: string;
	expires_in: number;
	token_type: string;
}

export async function authorizationCode(base: string): Promise<string> {
	const query = new URLSearchParams({ client_id: FREEAGENT_CLIENT.clientId, redirect_uri: FREEAGENT_CLIENT.redirectUri, response_type: 'code', state: 's-1' });
	const response = await fetch(`${base}/v2/approve_app?${query}`, { redirect: 'manual' });
	if (response.status !== 302) throw new Error(`approve_app answered ${response.status}`);
	const location = new URL(response.headers.get('location') ?? '');
	if (location.searchParams.get('state') !== 's-1') throw new Error('state not echoed');
	return location.searchParams.get('code') ?? '';
}

export function tokenRequest(base: string, fields: Record<string, string>, secret = FREEAGENT_CLIENT.clientSecret): Promise<Response> {
	return fetch(`${base}/v2/token_endpoint`, {
		method: 'POST',
		headers: {
			'Content-Type': 'application/x-www-form-urlencoded',
			Authorization: `Basic ${Buffer.from(`${FREEAGENT_CLIENT.clientId}:${secret}`).toString('base64')}`,
		},
		body: new URLSearchParams(fields).toString(),
	});
}

export async function signIn(base: string): Promise<FreeAgentTokens> {
	const code = await authorizationCode(base);
	const response = await tokenRequest(base, { grant_type: 'authorization_code', code, redirect_uri: FREEAGENT_CLIENT.redirectUri });
	if (response.status !== 200) throw new Error(`token endpoint answered ${response.status}`);
	return (await response.json()) as FreeAgentTokens;
}

export function freeAgent(base: string, token: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
	return fetch(`${base}${path}`, {
		method: init.method ?? 'GET',
		headers: {
			Authorization: `Bearer ${token}`,
			'User-Agent': USER_AGENT,
			Accept: 'application/json',
			...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }),
		},
		body: init.body === undefined ? undefined : JSON.stringify(init.body),
	});
}

export function invoiceBody(reference?: string, datedOn = '2026-01-05'): { invoice: Record<string, unknown> } {
	return {
		invoice: {
			contact: 'https://api.freeagent.com/v2/contacts/1',
			dated_on: datedOn,
			payment_terms_in_days: 30,
			currency: 'GBP',
			...(reference === undefined ? {} : { reference }),
			invoice_items: [{ item_type: 'Hours', quantity: '2', price: '50', description: 'Consulting' }],
		},
	};
}

/** A GET without any User-Agent header (fetch always adds one; Node's http does not). */
export function getWithoutUserAgent(url: string, token: string): Promise<{ status: number; body: string }> {
	return new Promise((resolve, reject) => {
		const request = http.request(url, { method: 'GET', headers: { Authorization: `Bearer ${token}` } }, (response) => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', (chunk: string) => (body += chunk));
			response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
		});
		request.on('error', reject);
		request.end();
	});
}

/** `rel` → URL from an RFC 5988 Link header. */
export function parseLinks(header: string | null): Record<string, string> {
	const links: Record<string, string> = {};
	for (const match of (header ?? '').matchAll(/<([^>]+)>;\s*rel="([^"]+)"/g)) links[match[2]] = match[1];
	return links;
}
