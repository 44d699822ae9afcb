import { SecretScan } from './secret-scan';

/** The scan itself: a scan that cannot find a leak would pass every suite it wraps. */
describe('the secret scan', () => {
	it('finds a credential secret in an output, also nested in a pasted .ionapi file, a token or encoded', () => {
		const scan = new SecretScan();
		scan.addSecretsFrom({
			ionapiFile: JSON.stringify({ ci: 'client-id', cs: 'client-secret-123', sask: 'service-secret-456' }),
			oauthTokenData: { access_token: 'access-token-789' },
			password: 'erply-password',
			username: 'demo-user',
		});
		expect(scan.secretCount).toBe(4);
		scan.collect('clean output', { json: { idempotency: { error: 'HTTP 401: demo-user was refused' } } });
		expect(scan.findings()).toEqual([]);

		scan.collect('error', new Error('login with service-secret-456 failed'));
		scan.collect('hint', `Authorization: Basic ${Buffer.from('access-token-789').toString('base64')}`);
		scan.collect('url', `https://erp.example/?p=${encodeURIComponent('erply-password')}`);
		expect(scan.findings().map((finding) => finding.where).sort()).toEqual(['error', 'hint', 'url']);
	});
});
