import { createHmac, randomBytes } from 'crypto';

import type { ErpContext, HttpResult, PostResult } from '../types';
import { classifyErply, ERPLY_SESSION_CODES } from './classify';
import { erplyEndpoint, parseErplyBody, sessionKeyOf, verifyUserForm } from './endpoint';

/**
 * Session keys renewed by the adapter, per n8n credential and login (accountKey), for this n8n process.
 *
 * Why here and not in the credential: Erply sends the session in the form body and reports an
 * expired one as error 1054/1055 with HTTP 200, so n8n never sees the 401 that would make it re-run
 * the credential's preAuthentication, and an adapter cannot force that. The adapter therefore logs
 * in itself (verifyUser through the transport) and keeps the new key in this module-level map,
 * which every execution of the process shares (node modules load once per process). The stored
 * credential keeps its older key; this map wins while it holds one. Lost on restart: the next call
 * then meets 1054 once more and renews again.
 */
const renewedSessionKeys = new Map<string, string>();
/** One login at a time per account: parallel posts that meet an expired session share it. */
const loginsInFlight = new Map<string, Promise<SessionOrFailure>>();

type SessionOrFailure = { sessionKey: string } | { loginFailure: PostResult };

/** The answer to a call, or why the login before it failed (then nothing was sent). */
export type ErplyCallResult = { result: HttpResult } | { loginFailure: PostResult };

/** A per-process salt: the cache keys never hold a plain, replayable hash of a password. */
const KEY_SALT = randomBytes(32);

/**
 * Whose session a key is: the n8n credential (its id; an unsaved one has none) and a salted hash of
 * everything that logs in — endpoint, client code, username and password. A credential with a wrong
 * password, or another credential of the same user, never reaches someone else's live session.
 */
function accountKey(ctx: ErpContext): string {
	const { clientCode, username, password } = ctx.credentials;
	const login = [erplyEndpoint(ctx.credentials), String(clientCode ?? ''), String(username ?? ''), String(password ?? '')];
	const secret = createHmac('sha256', KEY_SALT).update(login.join('\u0000')).digest('hex');
	return `${ctx.transport.credentialId ?? 'unsaved'}:${secret}`;
}

/** For tests: forget the renewed sessions. */
export function forgetErplySessions(): void {
	renewedSessionKeys.clear();
	loginsInFlight.clear();
}

async function logIn(ctx: ErpContext): Promise<SessionOrFailure> {
	const result = await ctx.transport.send({
		method: 'POST',
		url: erplyEndpoint(ctx.credentials),
		body: verifyUserForm(ctx.credentials),
		form: true,
		timeoutMs: ctx.requestTimeoutMs,
	});
	const sessionKey = result.kind === 'response' ? sessionKeyOf(result.body) : undefined;
	if (sessionKey) {
		renewedSessionKeys.set(accountKey(ctx), sessionKey);
		return { sessionKey };
	}
	const refused = classifyErply(result);
	// A login writes nothing: whatever went wrong, the call it precedes was never sent. A redirect
	// will not go away by waiting: the endpoint is wrong (or hostile), so it is permanent.
	const redirected = result.kind === 'response' && result.status >= 300 && result.status < 400;
	const outcome = refused.outcome === 'permanent' || redirected ? 'permanent' : 'retryable';
	const reason =
		result.kind === 'response' && parseErplyBody(result.body)?.status.responseStatus === 'ok'
			? 'no session key in the answer'
			: (refused.message ?? 'unknown error');
	return {
		loginFailure: { ...refused, outcome, erpId: undefined, message: `Erply login (verifyUser) failed: ${reason}` },
	};
}

function renewSession(ctx: ErpContext): Promise<SessionOrFailure> {
	const key = accountKey(ctx);
	const running = loginsInFlight.get(key);
	if (running) return running;
	const login = logIn(ctx).finally(() => loginsInFlight.delete(key));
	loginsInFlight.set(key, login);
	return login;
}

function isSessionError(result: HttpResult): boolean {
	if (result.kind !== 'response') return false;
	const code = parseErplyBody(result.body)?.status.errorCode;
	return code !== undefined && ERPLY_SESSION_CODES.has(code);
}

/**
 * One Erply API call (form POST) with `clientCode` and `sessionKey` in the body, as Erply wants
 * them. On 1054/1055 it logs in again once and resends; a second 1054/1055 comes back as a retryable
 * failure (nothing was saved).
 */
export async function callErply(ctx: ErpContext, form: Record<string, string>): Promise<ErplyCallResult> {
	let sessionKey = renewedSessionKeys.get(accountKey(ctx)) ?? String(ctx.credentials.sessionKey ?? '');
	if (!sessionKey) {
		const session = await renewSession(ctx);
		if ('loginFailure' in session) return session;
		sessionKey = session.sessionKey;
	}
	const send = (key: string) =>
		ctx.transport.send({
			method: 'POST',
			url: erplyEndpoint(ctx.credentials),
			body: { ...form, clientCode: String(ctx.credentials.clientCode ?? ''), sessionKey: key },
			form: true,
			timeoutMs: ctx.requestTimeoutMs,
		});
	const first = await send(sessionKey);
	if (!isSessionError(first)) return { result: first };
	// A parallel call may have renewed the session meanwhile: use its key instead of logging in again,
	// unless that key has expired too (short sessions), then log in ourselves.
	const renewedElsewhere = renewedSessionKeys.get(accountKey(ctx));
	if (renewedElsewhere && renewedElsewhere !== sessionKey) {
		const second = await send(renewedElsewhere);
		if (!isSessionError(second)) return { result: second };
	}
	const renewed = await renewSession(ctx);
	if ('loginFailure' in renewed) return renewed;
	const resent = await send(renewed.sessionKey);
	if (!isSessionError(resent)) return { result: resent };
	// The new session was refused too (it expired between login and use on a short session length, or
	// the account logs sessions out): Erply refused the call before doing anything, so it is worth a
	// later try — not a permanent fault of the invoice.
	const refused = classifyErply(resent);
	return {
		loginFailure: { ...refused, outcome: 'retryable', message: `${refused.message ?? 'Erply session error'}: even right after a new login; nothing was saved` },
	};
}
