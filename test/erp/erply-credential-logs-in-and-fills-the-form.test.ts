import type { IHttpRequestHelper, IHttpRequestOptions } from 'n8n-workflow';

import { ErplyApi } from '../../credentials/ErplyApi.credentials';

const credentials = { clientCode: '123456', username: 'api', password: 'S3cret-pw', sessionKey: 'stored', baseUrl: '' };

function helperAnswering(body: unknown): IHttpRequestHelper & { sent: IHttpRequestOptions[] } {
	const sent: IHttpRequestOptions[] = [];
	return { sent, helpers: { httpRequest: async (options: IHttpRequestOptions) => (sent.push(options), body) } } as never;
}

describe('the Erply credential', () => {
	const credential = new ErplyApi();

	it('logs in with verifyUser on the account endpoint and returns the session key', async () => {
		const helper = helperAnswering({ status: { responseStatus: 'ok', errorCode: 0 }, records: [{ sessionKey: 'new-key' }] });
		await expect(credential.preAuthentication.call(helper, credentials)).resolves.toEqual({ sessionKey: 'new-key' });
		expect(helper.sent[0].url).toBe('https://123456.erply.com/api/');
		expect(helper.sent[0].body).toMatchObject({ request: 'verifyUser', clientCode: '123456', username: 'api' });
	});

	it('a refused login names Erply\'s code and never the password', async () => {
		const helper = helperAnswering({ status: { responseStatus: 'error', errorCode: 1050 }, records: [] });
		const error = (await credential.preAuthentication.call(helper, credentials).catch((e: unknown) => e)) as Error;
		expect(error.message).toContain('1050');
		expect(error.message).not.toContain('S3cret-pw');
	});

	it('fills clientCode and sessionKey into a form that lacks them, and never overwrites a fresher key', async () => {
		const form = new URLSearchParams({ request: 'getSalesDocuments' });
		await credential.authenticate(credentials, { url: 'x', body: form });
		expect(Object.fromEntries(form)).toEqual({ request: 'getSalesDocuments', clientCode: '123456', sessionKey: 'stored' });

		const renewed = new URLSearchParams({ request: 'saveSalesDocument', clientCode: '123456', sessionKey: 'renewed' });
		await credential.authenticate(credentials, { url: 'x', body: renewed });
		expect(renewed.get('sessionKey')).toBe('renewed');

		const object = await credential.authenticate(credentials, { url: 'x', body: { request: 'getSalesDocuments', sessionKey: 'renewed' } });
		expect(object.body).toMatchObject({ clientCode: '123456', sessionKey: 'renewed' });

		const login = new URLSearchParams({ request: 'verifyUser' });
		await credential.authenticate(credentials, { url: 'x', body: login });
		expect(login.has('sessionKey')).toBe(false);
	});
});
