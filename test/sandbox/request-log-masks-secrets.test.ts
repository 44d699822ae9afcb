import { inforDemoIonApi } from '../../sandbox/erps/infor/simulator';
import { GENERIC_DEMO } from '../../sandbox/erps/generic/simulator';
import { adminUrl, answered, basicAuth, call, inforApi, inforInvoice, inforToken, useSandbox } from './helpers';

describe('the request log never shows a secret in full', () => {
	const sandbox = useSandbox({ erps: ['infor', 'mendix', 'generic'] });

	it('masks the token grant form, the bearer token and Basic credentials, and keeps what a reader needs', async () => {
		const ionapi = inforDemoIonApi(sandbox().urls.infor);
		const token = await inforToken(sandbox());
		await call(`${inforApi(sandbox())}/invoices?access_token=${token}`, { json: inforInvoice(1), headers: { authorization: `Bearer ${token}` } });
		await call(`${sandbox().urls.mendix}/rest/invoices/v1/invoices`, { headers: { authorization: basicAuth('InvoiceApiUser', 'demo-mendix-password') } });
		await call(`${sandbox().urls.generic}/invoices?password=${GENERIC_DEMO.password}`);

		const log = answered(await call(adminUrl(sandbox(), 'log')));
		expect(log.status).toBe(200);
		for (const secret of [ionapi.cs, ionapi.sask, token, 'demo-mendix-password', GENERIC_DEMO.password, Buffer.from('InvoiceApiUser:demo-mendix-password').toString('base64')]) {
			expect(log.text).not.toContain(secret);
		}

		const [tokenCall, createCall] = sandbox().requestLog('infor');
		expect(tokenCall).toMatchObject({ method: 'POST', path: '/auth/token.oauth2', status: 200 });
		expect(tokenCall.form).toMatchObject({ grant_type: 'password', username: ionapi.saak, client_id: ionapi.ci, client_secret: 'de***', password: 'de***' });
		expect(createCall).toMatchObject({ status: 201, authorization: `Bearer ${token.slice(0, 2)}***`, query: { access_token: `${token.slice(0, 2)}***` } });
		expect(createCall.sandboxTime).toEqual(expect.any(Number));
		expect(createCall.wallTime).toEqual(expect.any(Number));
		expect(sandbox().requestLog('mendix')[0].authorization).toBe('Basic SW***');
	});
});
