/**
 * Issue: the renewed-session cache was keyed by endpoint + client code + username and won over the
 * stored key, so a credential with a wrong password posted with another credential's live session.
 * The cache is now per n8n credential and per secret.
 */
import { erplyAdapter } from '../../nodes/shared/erp/erply/adapter';
import { forgetErplySessions } from '../../nodes/shared/erp/erply/session';
import type { ErpContext, HttpRequest, PostAttempt } from '../../nodes/shared/erp/types';
import { FakeTransport, respond } from './erply-freeagent-fake-transport';

const RIGHT = 'right-password';
const attempt: PostAttempt = { key: 'k-1', reference: 'REF-1', invoice: { invoiceNumber: 'INV-1', invoiceDate: '2024-05-01', currency: 'EUR', amount: 10 } };

const ok = (records: object[]) => respond(200, { status: { responseStatus: 'ok', errorCode: 0 }, records });
const error = (errorCode: number) => respond(200, { status: { responseStatus: 'error', errorCode }, records: [] });

/** One Erply account: verifyUser with the right password hands out live-1, live-2, …; only those keys are valid. */
function erplyAccount() {
	const live = new Set<string>();
	let logins = 0;
	const transport = new FakeTransport((request: HttpRequest) => {
		const form = request.body as Record<string, string>;
		if (form.request === 'verifyUser') {
			if (form.password !== RIGHT) return error(1050);
			const key = `live-${++logins}`;
			live.add(key);
			return ok([{ sessionKey: key }]);
		}
		return live.has(form.sessionKey) ? ok([{ invoiceID: 900 }]) : error(1054);
	});
	return { transport, logins: () => logins };
}

function asCredential(transport: FakeTransport, credentialId: string | undefined, password: string, sessionKey: string): ErpContext {
	return {
		transport: { credentialId, send: async (request) => await transport.send(request) },
		credentials: { clientCode: '123456', username: 'api', password, sessionKey },
		settings: {},
		requestTimeoutMs: 5000,
	};
}

const sessionsUsed = (transport: FakeTransport) =>
	transport.requests.map((request) => request.body as Record<string, string>).filter((form) => form.request === 'saveSalesDocument').map((form) => form.sessionKey);

beforeEach(() => forgetErplySessions());

describe('Erply sessions belong to one credential and one password', () => {
	it('a credential with a wrong password never posts with another credential\'s live session', async () => {
		const account = erplyAccount();
		// Credential A renews its expired session: live-1 is now cached for A.
		expect(await erplyAdapter.create(asCredential(account.transport, 'cred-A', RIGHT, 'expired'), attempt)).toMatchObject({ outcome: 'created' });
		// Credential B: same account and user, wrong password, an expired stored key.
		const result = await erplyAdapter.create(asCredential(account.transport, 'cred-B', 'wrong-password', 'expired'), { ...attempt, key: 'k-2' });

		expect(result.outcome).toBe('permanent');
		expect(result.message).toContain('1050');
		expect(sessionsUsed(account.transport)).toEqual(['expired', 'live-1', 'expired']);
		expect(JSON.stringify(result)).not.toContain('wrong-password');
	});

	it('the same user and password under two credentials log in separately', async () => {
		const account = erplyAccount();
		await erplyAdapter.create(asCredential(account.transport, 'cred-A', RIGHT, 'expired'), attempt);
		await erplyAdapter.create(asCredential(account.transport, 'cred-C', RIGHT, 'expired'), attempt);
		expect(account.logins()).toBe(2);
		expect(sessionsUsed(account.transport)).toEqual(['expired', 'live-1', 'expired', 'live-2']);
	});

	it('one credential whose password was changed does not keep the session the old password opened', async () => {
		const account = erplyAccount();
		await erplyAdapter.create(asCredential(account.transport, 'cred-A', RIGHT, 'expired'), attempt);
		const result = await erplyAdapter.create(asCredential(account.transport, 'cred-A', 'now-wrong', 'expired'), attempt);
		expect(result).toMatchObject({ outcome: 'permanent', message: expect.stringContaining('1050') });
		expect(sessionsUsed(account.transport)).toEqual(['expired', 'live-1', 'expired']);
	});

	it('the same credential reuses its own renewed session without logging in again', async () => {
		const account = erplyAccount();
		await erplyAdapter.create(asCredential(account.transport, 'cred-A', RIGHT, 'expired'), attempt);
		await erplyAdapter.create(asCredential(account.transport, 'cred-A', RIGHT, 'expired'), { ...attempt, key: 'k-2' });
		expect(account.logins()).toBe(1);
		expect(sessionsUsed(account.transport)).toEqual(['expired', 'live-1', 'live-1']);
	});
});
