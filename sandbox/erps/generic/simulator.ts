import {
	afterCommitDelivery,
	asRecord,
	basicCredentials,
	bearerToken,
	failBeforeCommitStatus,
	option,
	pause,
	retryAfterSeconds,
} from '../../core/responses';
import { noteCommit, visible } from '../../core/hostile';
import { summariseTruth } from '../../core/truth';
import type { FaultConfig, SimContext, SimRequest, SimResponse, Simulator, StoredInvoice } from '../../core/types';

/**
 * A configurable REST ERP standing in for "any other system". FaultConfig.options:
 * - `auth`: 'none' (default) | 'header' (`X-API-Key`) | 'bearer' | 'basic', with the demo secrets below;
 * - `uniqueReference` (false): a second invoice with a known reference → 409 with the existing id;
 * - `honourIdempotencyKey` (false): `Idempotency-Key` per draft-ietf-httpapi-idempotency-key-header
 *   (same key + same body → the first answer replayed; still in flight → 409; other body → 422);
 * - `processingMs` (0): time between accepting a create and committing it (the in-flight window).
 */

export type GenericAuth = 'none' | 'header' | 'bearer' | 'basic';

export const GENERIC_DEMO = {
	apiKeyHeader: 'X-API-Key',
	apiKey: 'demo-generic-api-key',
	bearerToken: 'demo-generic-bearer-token',
	user: 'demo',
	password: 'demo-generic-password',
};

interface IdempotencyRecord {
	body: string;
	answer?: SimResponse;
}

const failure = (status: number, error: string, message: string, extra: Record<string, unknown> = {}): SimResponse => ({
	status,
	body: { error, message, ...extra },
});

function authorised(req: SimRequest, auth: GenericAuth): boolean {
	if (auth === 'none') return true;
	if (auth === 'header') return req.headers[GENERIC_DEMO.apiKeyHeader.toLowerCase()] === GENERIC_DEMO.apiKey;
	if (auth === 'bearer') return bearerToken(req) === GENERIC_DEMO.bearerToken;
	const credentials = basicCredentials(req);
	return credentials?.user === GENERIC_DEMO.user && credentials.password === GENERIC_DEMO.password;
}

/** A structured-field string arrives quoted (`"abc"`); tolerate a bare token too. */
function idempotencyKeyOf(req: SimRequest): string | undefined {
	const raw = req.headers['idempotency-key']?.trim();
	if (!raw) return undefined;
	return raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2 ? raw.slice(1, -1) : raw;
}

export function createGenericSimulator(): Simulator & { demoCredentials(baseUrl: string): Record<string, unknown> } {
	let invoices: StoredInvoice[] = [];
	// Indexed like a real ERP's reference column: the bench holds 60,000 invoices, and a scan per lookup
	// would charge the sandbox's CPU to the node under test.
	let byReference = new Map<string, StoredInvoice[]>();
	let keys = new Map<string, IdempotencyRecord>();

	const reset = () => {
		invoices = [];
		byReference = new Map();
		keys = new Map();
	};
	const withReference = (reference: string): StoredInvoice[] => byReference.get(reference) ?? [];

	const throttled = (config: FaultConfig): SimResponse => ({
		...failure(429, 'rate_limited', 'Too many requests'),
		headers: { 'retry-after': String(retryAfterSeconds(config)) },
	});

	const view = (invoice: StoredInvoice) => ({ ...invoice.raw, id: invoice.id, reference: invoice.reference });

	async function commit(body: Record<string, unknown>, reference: string, ctx: SimContext): Promise<SimResponse> {
		const config = ctx.faults.config();
		const fault = ctx.faults.nextWrite();
		if (fault === 'throttle') return throttled(config);
		if (fault === 'failBeforeCommit') return failure(failBeforeCommitStatus(config), 'server_error', 'Internal server error');
		await pause(option(config, 'processingMs', 0));
		if (option(config, 'uniqueReference', false)) {
			const existing = withReference(reference)[0];
			if (existing) return failure(409, 'duplicate', `An invoice with reference ${reference} already exists`, { id: existing.id });
		}
		const id = `GEN-${String(invoices.length + 1).padStart(6, '0')}`;
		const invoice: StoredInvoice = {
			id,
			reference,
			invoiceNumber: typeof body.invoiceNumber === 'string' ? body.invoiceNumber : undefined,
			invoiceDate: typeof body.invoiceDate === 'string' ? body.invoiceDate : undefined,
			amount: typeof body.amount === 'number' ? body.amount : undefined,
			createdAt: new Date(ctx.now()).toISOString(),
			raw: { ...body, status: 'created' },
		};
		invoices.push(noteCommit(invoice, ctx));
		byReference.set(reference, [...withReference(reference), invoice]);
		return { status: 201, body: view(invoice), delivery: afterCommitDelivery(fault, config) };
	}

	async function create(req: SimRequest, ctx: SimContext): Promise<SimResponse> {
		const body = asRecord(req.json);
		if (!body) return failure(400, 'validation', 'The request body must be a JSON object');
		const reference = body.reference ?? body.externalReference;
		if (typeof reference !== 'string' || reference === '') return failure(400, 'validation', 'reference is required');

		const key = option(ctx.faults.config(), 'honourIdempotencyKey', false) ? idempotencyKeyOf(req) : undefined;
		if (key === undefined) return commit(body, reference, ctx);

		const known = keys.get(key);
		if (known && known.body !== req.text) {
			return failure(422, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request body');
		}
		if (known && !known.answer) return failure(409, 'idempotency_key_in_use', 'A request with this Idempotency-Key is still being processed');
		if (known?.answer) {
			return { status: known.answer.status, headers: { ...known.answer.headers, 'idempotent-replayed': 'true' }, body: known.answer.body };
		}
		const record: IdempotencyRecord = { body: req.text };
		keys.set(key, record);
		const answer = await commit(body, reference, ctx);
		// Only a finished answer is remembered; a failure before commit frees the key for a retry.
		if (answer.status >= 500 || answer.status === 429) keys.delete(key);
		else record.answer = { status: answer.status, headers: answer.headers, body: answer.body };
		return answer;
	}

	function read(req: SimRequest, ctx: SimContext, reference: string | undefined): SimResponse {
		if (ctx.faults.nextRead() === 'throttle') return throttled(ctx.faults.config());
		if (reference !== undefined) {
			const found = visible(withReference(reference), ctx)[0];
			return found ? { status: 200, body: view(found) } : failure(404, 'not_found', `No invoice with reference ${reference}`);
		}
		const wanted = req.query.get('reference');
		const matching = visible(wanted === null ? invoices : withReference(wanted), ctx);
		return { status: 200, body: matching.map(view) };
	}

	async function handle(req: SimRequest, ctx: SimContext): Promise<SimResponse> {
		if (!authorised(req, option<GenericAuth>(ctx.faults.config(), 'auth', 'none'))) {
			return failure(401, 'unauthorized', 'Missing or invalid credentials');
		}
		if (req.path === '/invoices' && req.method === 'POST') return create(req, ctx);
		if (req.path === '/invoices' && req.method === 'GET') return read(req, ctx, undefined);
		const single = /^\/invoices\/([^/]+)$/.exec(req.path);
		if (single && req.method === 'GET') return read(req, ctx, decodeURIComponent(single[1]));
		return failure(404, 'not_found', `No route ${req.method} ${req.path}`);
	}

	return {
		erp: 'generic',
		handle,
		truth: () => summariseTruth(invoices),
		reset,
		existsAnswer: (_req, _ctx, otherId) => failure(409, 'duplicate', 'An invoice with this reference already exists', otherId ? { id: otherId } : {}),
		demoCredentials: (baseUrl) => ({ baseUrl, createPath: '/invoices', lookupPath: '/invoices/{reference}', ...GENERIC_DEMO }),
	};
}
