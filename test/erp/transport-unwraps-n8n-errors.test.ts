/**
 * What n8n throws from httpRequestWithAuthentication, reduced to an answer or a transport failure.
 * The errors are built as n8n builds them: an AxiosError wrapped in NodeApiError (which in
 * n8n-workflow 2.8 keeps only httpCode, context.data and messages), or with the AxiosError kept
 * as `cause` as other versions do.
 */
import { AxiosError, AxiosHeaders } from 'axios';
import type { IExecuteFunctions, IHttpRequestOptions } from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

import { classifyTransportFailure, createErpTransport, retryAfterMs, unwrapRequestError } from '../../nodes/shared/erp/transport';
import { TEST_NODE } from './transport-n8n-context';

function axiosError(code: string, message: string, response?: { status: number; headers?: Record<string, string>; data?: unknown }) {
	return new AxiosError(message, code, undefined, undefined, response && {
		status: response.status,
		statusText: '',
		headers: new AxiosHeaders(response.headers ?? {}),
		config: { headers: new AxiosHeaders() },
		data: response.data,
	});
}

const wrapped = (error: Error) => new NodeApiError(TEST_NODE, error as never);

test('a 500 with a JSON body survives NodeApiError wrapping with its status and body', () => {
	const error = wrapped(axiosError('ERR_BAD_RESPONSE', 'Request failed with status code 500', { status: 500, data: { error: 'boom', results: [] } }));
	expect(unwrapRequestError(error)).toEqual({ kind: 'response', status: 500, headers: {}, body: { error: 'boom', results: [] } });
});

test('when the AxiosError is kept as cause, headers come through lower-cased', () => {
	const cause = axiosError('ERR_BAD_REQUEST', 'Request failed with status code 429', { status: 429, headers: { 'Retry-After': '12' }, data: '' });
	const result = unwrapRequestError({ message: 'The service is receiving too many requests from you', cause });
	expect(result).toEqual({ kind: 'response', status: 429, headers: { 'retry-after': '12' }, body: undefined });
});

test.each([
	['ECONNABORTED', 'timeout of 30000ms exceeded', 'timeout', true],
	['ETIMEDOUT', 'connect ETIMEDOUT', 'timeout', true],
	['ERR_CANCELED', 'canceled', 'timeout', true],
	['ECONNRESET', 'read ECONNRESET', 'reset', true],
	['EPIPE', 'write EPIPE', 'reset', true],
	['ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9', 'refused', false],
	['ENOTFOUND', 'getaddrinfo ENOTFOUND erp.invalid', 'refused', false],
	['EAI_AGAIN', 'getaddrinfo EAI_AGAIN erp.invalid', 'refused', false],
])('network error %s is a %s failure (sent: %s)', (code, message, kind, sent) => {
	for (const error of [wrapped(axiosError(code, message)), axiosError(code, message), { cause: axiosError(code, message) }]) {
		expect(unwrapRequestError(error)).toMatchObject({ kind: 'failure', code: kind, sent });
	}
});

test('"socket hang up" without a code is a reset after sending', () => {
	expect(unwrapRequestError(wrapped(new Error('socket hang up')))).toMatchObject({ kind: 'failure', code: 'reset', sent: true });
});

test("a credential's own error (e.g. a malformed file) is an unsent failure carrying its text", () => {
	const result = unwrapRequestError(wrapped(new Error('The .ionapi file lacks the field cs')));
	expect(result).toEqual({ kind: 'failure', code: 'other', sent: false, message: 'The .ionapi file lacks the field cs' });
	expect(classifyTransportFailure(result as never)).toEqual({ outcome: 'permanent', message: 'The .ionapi file lacks the field cs' });
});

test('Retry-After is read as seconds or as an HTTP date', () => {
	const now = Date.parse('2026-03-01T10:00:00Z');
	expect(retryAfterMs({ 'retry-after': '5' }, now)).toBe(5000);
	expect(retryAfterMs({ 'retry-after': 'Sun, 01 Mar 2026 10:00:30 GMT' }, now)).toBe(30_000);
	expect(retryAfterMs({ 'retry-after': 'soon' }, now)).toBeUndefined();
	expect(retryAfterMs({}, now)).toBeUndefined();
});

describe('send', () => {
	function fakeN8n(answers: Array<(options: IHttpRequestOptions) => unknown>) {
		const calls: IHttpRequestOptions[] = [];
		const fns = {
			getNode: () => ({ credentials: { erplyApi: { id: 'cred-1', name: 'Erply' } } }),
			helpers: {
				httpRequestWithAuthentication: async (_type: string, options: IHttpRequestOptions) => {
					calls.push(options);
					return answers[calls.length - 1](options);
				},
			},
		} as unknown as IExecuteFunctions;
		return { fns, calls };
	}

	test('a form body goes out as URLSearchParams, JSON otherwise, with the timeout', async () => {
		const { fns, calls } = fakeN8n([() => ({ statusCode: 200, headers: {}, body: { ok: true } }), () => ({ statusCode: 201, headers: {}, body: '' })]);
		const transport = createErpTransport(fns, 'erplyApi');
		await transport.send({ method: 'POST', url: 'http://127.0.0.1/x', body: { request: 'verifyUser', n: 1 }, form: true, timeoutMs: 1234 });
		const second = await transport.send({ method: 'POST', url: 'http://127.0.0.1/y', body: { a: 1 } });
		expect(calls[0].body).toBeInstanceOf(URLSearchParams);
		expect(String(calls[0].body)).toBe('request=verifyUser&n=1');
		expect(calls[0].timeout).toBe(1234);
		// Every request: a redirect comes back as an answer, never followed with the credential.
		expect(calls.every((options) => options.disableFollowRedirect === true)).toBe(true);
		expect(transport.credentialId).toBe('cred-1');
		expect(calls[1].body).toEqual({ a: 1 });
		expect(second).toEqual({ kind: 'response', status: 201, headers: {}, body: undefined });
	});

	test('a 401 answer is sent once more in throwing mode so n8n refreshes the token', async () => {
		const { fns, calls } = fakeN8n([
			() => ({ statusCode: 401, headers: {}, body: { error: 'expired' } }),
			() => ({ statusCode: 201, headers: { 'X-Correlation-ID': 'c1' }, body: { id: 7 } }),
		]);
		const result = await createErpTransport(fns, 'inforIonApi').send({ method: 'POST', url: 'http://127.0.0.1/x', body: { a: 1 } });
		expect(calls.map((call) => call.ignoreHttpStatusErrors)).toEqual([true, undefined]);
		expect(result).toEqual({ kind: 'response', status: 201, headers: { 'x-correlation-id': 'c1' }, body: { id: 7 } });
	});

	test('a thrown error becomes a result, never an exception', async () => {
		const { fns } = fakeN8n([() => Promise.reject(wrapped(axiosError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9')))]);
		const result = await createErpTransport(fns, 'genericErpApi').send({ method: 'GET', url: 'http://127.0.0.1:9/' });
		expect(result).toMatchObject({ kind: 'failure', code: 'refused', sent: false });
		expect(classifyTransportFailure(result as never).outcome).toBe('retryable');
	});
});

test("a throttled or failing OAuth2 token endpoint (EAUTH temporarily_unavailable) is retryable: nothing reached the ERP", async () => {
	const { AuthError } = await import('@n8n/client-oauth2/dist/utils');
	const throttled = new AuthError('The authorization server is currently unable to handle the request due to a temporary overloading or maintenance of the server.', {
		error: 'temporarily_unavailable',
	});
	for (const error of [wrapped(throttled), throttled]) {
		const result = unwrapRequestError(error);
		expect(result).toMatchObject({ kind: 'failure', code: 'refused', sent: false });
		expect(classifyTransportFailure(result as never).outcome).toBe('retryable');
	}
	// A rejected secret stays permanent: waiting cannot fix it.
	const rejected = new AuthError('Client authentication failed (e.g., unknown client, no client authentication included, or unsupported authentication method).', { error: 'invalid_client' });
	expect(classifyTransportFailure(unwrapRequestError(wrapped(rejected)) as never).outcome).toBe('permanent');
});

test('a refused credential at the token endpoint says so, and is permanent on every ERP', async () => {
	const { AuthError } = await import('@n8n/client-oauth2/dist/utils');
	const { classifyFreeAgent } = await import('../../nodes/shared/erp/freeAgent/classify');
	const { classifyErply } = await import('../../nodes/shared/erp/erply/classify');
	const revoked = new AuthError('The provided authorization grant (e.g., authorization code, resource owner credentials) or refresh token is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.', { error: 'invalid_grant' });
	const result = unwrapRequestError(wrapped(revoked));
	expect(result).toMatchObject({ kind: 'failure', sent: false, message: expect.stringContaining('refused the credential') });
	expect(classifyFreeAgent(result).outcome).toBe('permanent');
	expect(classifyErply(result).outcome).toBe('permanent');
});
