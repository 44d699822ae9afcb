import * as http from 'http';

import { startSandbox } from '../../sandbox';
import type { Sandbox, SandboxErp, StartSandboxOptions } from '../../sandbox';
import { inforDemoIonApi, INFOR_API_PATH } from '../../sandbox/erps/infor/simulator';

export interface Answer {
	kind: 'response';
	status: number;
	headers: http.IncomingHttpHeaders;
	text: string;
	body: unknown;
}

/** The request got no HTTP answer: the client gave up (`timeout`) or the socket was closed (`reset`). */
export interface NoAnswer {
	kind: 'failure';
	code: 'timeout' | 'reset';
}

export interface CallOptions {
	method?: string;
	headers?: Record<string, string>;
	json?: unknown;
	form?: Record<string, string>;
	timeoutMs?: number;
}

/** One HTTP call without keep-alive, so a reset or a held socket never leaks into the next call. */
export function call(url: string, options: CallOptions = {}): Promise<Answer | NoAnswer> {
	const headers: Record<string, string> = { ...(options.headers ?? {}) };
	let payload: string | undefined;
	if (options.json !== undefined) {
		payload = JSON.stringify(options.json);
		headers['content-type'] = 'application/json';
	} else if (options.form) {
		payload = new URLSearchParams(options.form).toString();
		headers['content-type'] = 'application/x-www-form-urlencoded';
	}
	return new Promise((resolve) => {
		let settled = false;
		const settle = (result: Answer | NoAnswer) => {
			if (!settled) {
				settled = true;
				resolve(result);
			}
		};
		const req = http.request(url, { method: options.method ?? (payload ? 'POST' : 'GET'), headers, agent: false }, (res) => {
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () => {
				const text = Buffer.concat(chunks).toString('utf8');
				let body: unknown = text;
				try {
					body = text ? JSON.parse(text) : undefined;
				} catch {
					// not JSON: keep the text
				}
				settle({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, text, body });
			});
			res.on('error', () => settle({ kind: 'failure', code: 'reset' }));
		});
		if (options.timeoutMs !== undefined) {
			req.setTimeout(options.timeoutMs, () => {
				settle({ kind: 'failure', code: 'timeout' });
				req.destroy();
			});
		}
		req.on('error', () => settle({ kind: 'failure', code: 'reset' }));
		req.end(payload);
	});
}

/** Narrow to an HTTP answer, with the failure in the message when there was none. */
export function answered(result: Answer | NoAnswer): Answer {
	if (result.kind !== 'response') throw new Error(`Expected an HTTP answer, got ${result.code}`);
	return result;
}

/** Starts a sandbox before the suite and always stops it after, also when a test fails. */
export function useSandbox(options: StartSandboxOptions = {}): () => Sandbox {
	let sandbox: Sandbox | undefined;
	beforeAll(async () => {
		sandbox = await startSandbox(options);
	});
	afterAll(async () => {
		await sandbox?.stop();
	});
	return () => {
		if (!sandbox) throw new Error('Sandbox not started');
		return sandbox;
	};
}

export function adminUrl(sandbox: Sandbox, path: string): string {
	return `http://127.0.0.1:${sandbox.port}/_admin/${path}`;
}

export function basicAuth(user: string, password: string): string {
	return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

// ---- Infor ----

export function inforApi(sandbox: Sandbox): string {
	return `${sandbox.urls.infor}${INFOR_API_PATH}`;
}

/** The password grant exactly as an adapter builds it from the `.ionapi` file. */
export async function inforToken(sandbox: Sandbox, grant: 'password' | 'client_credentials' = 'password'): Promise<string> {
	const ionapi = inforDemoIonApi(sandbox.urls.infor);
	const form: Record<string, string> = { grant_type: grant, client_id: ionapi.ci, client_secret: ionapi.cs };
	if (grant === 'password') Object.assign(form, { username: ionapi.saak, password: ionapi.sask });
	const answer = answered(await call(`${ionapi.pu}${ionapi.ot}`, { form }));
	if (answer.status !== 200) throw new Error(`Token request failed: ${answer.status} ${answer.text}`);
	return (answer.body as { access_token: string }).access_token;
}

export function inforInvoice(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
	return {
		invoiceNumber: `INV-${n}`,
		externalReference: `REF-${n}`,
		customerId: 'C-100',
		customerName: 'Acme Ltd',
		invoiceDate: `2026-01-${String((n % 28) + 1).padStart(2, '0')}`,
		dueDate: '2026-02-28',
		currency: 'EUR',
		amount: 100 + n,
		...overrides,
	};
}

/** Retries an assertion until it passes or `withinMs` is over (for writes that land after the client gave up). */
export async function eventually(assertion: () => void, withinMs = 5000): Promise<void> {
	const deadline = Date.now() + withinMs;
	for (;;) {
		try {
			assertion();
			return;
		} catch (error) {
			if (Date.now() > deadline) throw error;
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	}
}

/**
 * Resolves once `count` requests to `erp` reached the sandbox: a second request sent after it finds the
 * first in flight, whatever the machine's speed (a fixed head start can be too short on a busy one).
 */
export async function arrived(sandbox: Sandbox, erp: SandboxErp, count = 1): Promise<void> {
	await eventually(() => expect(sandbox.requestLog(erp).length).toBeGreaterThanOrEqual(count), 30_000);
}
