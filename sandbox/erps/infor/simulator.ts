import { randomHex } from '../../core/prng';
import {
	afterCommitDelivery,
	asRecord,
	basicCredentials,
	bearerToken,
	failBeforeCommitStatus,
	isIsoDate,
	midBatchFailureIndex,
	option,
	retryAfterSeconds,
} from '../../core/responses';
import { commitPace, noteCommit, visible } from '../../core/hostile';
import { summariseTruth } from '../../core/truth';
import type { SimContext, SimRequest, SimResponse, Simulator, StoredInvoice } from '../../core/types';

/**
 * Infor ICS AR REST v1 behind an ION-style API gateway: password and
 * client-credentials grants from the `.ionapi` fields, expiring tokens, single and sequential batch
 * create, no uniqueness on externalReference (a repeat is a duplicate), lookup and paged date range.
 */

export const INFOR_TENANT = 'TENANT_TST';
export const INFOR_API_PATH = `/${INFOR_TENANT}/ICS/api/v1`;
const TOKEN_PATH = '/auth/token.oauth2';
const DEFAULT_TOKEN_TTL_MS = 3_600_000;
const MAX_PAGE_SIZE = 500;

const DEMO = {
	ci: `${INFOR_TENANT}~demo-client-id`,
	cs: 'demo-client-secret-9f3a',
	saak: `${INFOR_TENANT}#demo-service-account`,
	sask: 'demo-service-secret-7c1e',
};

/** The `.ionapi` file an ION API admin would download for this sandbox. */
export function inforDemoIonApi(baseUrl: string): Record<string, string> {
	return {
		ti: INFOR_TENANT,
		cn: 'n8n-idempotent-invoice (sandbox)',
		ci: DEMO.ci,
		cs: DEMO.cs,
		iu: baseUrl,
		pu: `${baseUrl}/auth/`,
		oa: 'authorization.oauth2',
		ot: 'token.oauth2',
		or: 'revoke_token.oauth2',
		ev: 'U1234567890',
		v: '1.0',
		saak: DEMO.saak,
		sask: DEMO.sask,
	};
}

/** ION rejects characters its AR import chokes on only inside batches (the seed's silent failures). */
const SPECIAL_CHARACTERS = /[^\x20-\x7e]|[&<>]/;

interface InforInvoice extends StoredInvoice {
	raw: Record<string, unknown>;
}

type Validated = { ok: true; body: Record<string, unknown> } | { ok: false; message: string };

function validateInvoice(input: unknown): Validated {
	const body = asRecord(input);
	if (!body) return { ok: false, message: 'Request body must be a JSON invoice object' };
	if (typeof body.invoiceNumber !== 'string' || body.invoiceNumber.trim() === '') return { ok: false, message: 'invoiceNumber is required' };
	if (typeof body.customerId !== 'string' || body.customerId.trim() === '') return { ok: false, message: 'customerId is required' };
	if (!isIsoDate(body.invoiceDate)) return { ok: false, message: 'invoiceDate must be a date YYYY-MM-DD' };
	if (body.dueDate !== undefined && !isIsoDate(body.dueDate)) return { ok: false, message: 'dueDate must be a date YYYY-MM-DD' };
	if (typeof body.currency !== 'string' || !/^[A-Z]{3}$/.test(body.currency)) return { ok: false, message: 'currency must be an ISO 4217 code' };
	if (typeof body.amount !== 'number' || !Number.isFinite(body.amount)) return { ok: false, message: 'amount must be a number' };
	if (body.externalReference !== undefined && typeof body.externalReference !== 'string') {
		return { ok: false, message: 'externalReference must be a string' };
	}
	return { ok: true, body };
}

function apiError(status: number, code: string, message: string, headers?: Record<string, string>): SimResponse {
	return { status, headers, body: { error: { code, message } } };
}

export function createInforSimulator(): Simulator & { demoCredentials(baseUrl: string): Record<string, unknown> } {
	let invoices: InforInvoice[] = [];
	const tokens = new Map<string, number>();
	let tokenCounter = 0;
	let correlationCounter = 0;

	// Issued tokens survive a reset: a client holding one (a running n8n) need not log in again between scenarios.
	const reset = () => {
		invoices = [];
		correlationCounter = 0;
	};

	const throttled = (ctx: SimContext): SimResponse =>
		apiError(429, 'QUOTA_EXCEEDED', 'API quota exceeded for this subscription, retry later', {
			'retry-after': String(retryAfterSeconds(ctx.faults.config())),
		});

	function issueToken(req: SimRequest, ctx: SimContext): SimResponse {
		if (req.method !== 'POST') return { status: 405, body: { error: 'invalid_request' } };
		if (ctx.faults.nextRead() === 'throttle') return throttled(ctx);
		const form = req.form ?? new URLSearchParams();
		const basic = basicCredentials(req);
		const clientId = form.get('client_id') ?? basic?.user;
		const clientSecret = form.get('client_secret') ?? basic?.password;
		if (clientId !== DEMO.ci || clientSecret !== DEMO.cs) {
			return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed' } };
		}
		const grant = form.get('grant_type');
		if (grant === 'password') {
			if (form.get('username') !== DEMO.saak || form.get('password') !== DEMO.sask) {
				return { status: 400, body: { error: 'invalid_grant', error_description: 'Invalid service account credentials' } };
			}
		} else if (grant !== 'client_credentials') {
			return { status: 400, body: { error: 'unsupported_grant_type', error_description: `grant_type ${grant ?? '(none)'} is not supported` } };
		}
		const ttlMs = ctx.faults.config().tokenTtlMs ?? DEFAULT_TOKEN_TTL_MS;
		tokenCounter += 1;
		const token = `ion${tokenCounter}.${randomHex(() => ctx.faults.random(), 24)}`;
		tokens.set(token, ctx.now() + ttlMs);
		return { status: 200, body: { access_token: token, token_type: 'Bearer', expires_in: Math.floor(ttlMs / 1000) } };
	}

	function authorise(req: SimRequest, ctx: SimContext): SimResponse | undefined {
		const token = bearerToken(req);
		const expiresAt = token === undefined ? undefined : tokens.get(token);
		if (expiresAt === undefined) return apiError(401, 'UNAUTHORIZED', 'Missing or invalid access token', { 'www-authenticate': 'Bearer' });
		if (ctx.now() >= expiresAt) {
			return apiError(401, 'TOKEN_EXPIRED', 'The access token expired', { 'www-authenticate': 'Bearer error="invalid_token"' });
		}
		return undefined;
	}

	function store(body: Record<string, unknown>, ctx: SimContext): InforInvoice {
		const id = String(100_000 + invoices.length + 1);
		const invoice: InforInvoice = {
			id,
			reference: typeof body.externalReference === 'string' ? body.externalReference : '',
			invoiceNumber: body.invoiceNumber as string,
			invoiceDate: body.invoiceDate as string,
			amount: body.amount as number,
			createdAt: new Date(ctx.now()).toISOString(),
			raw: { ...body, id, status: 'CREATED' },
		};
		invoices.push(noteCommit(invoice, ctx));
		return invoice;
	}

	const summary = (invoice: InforInvoice) => ({
		id: invoice.id,
		invoiceNumber: invoice.invoiceNumber,
		externalReference: invoice.reference,
		invoiceDate: invoice.invoiceDate,
		amount: invoice.amount,
		status: 'CREATED',
	});

	function createOne(req: SimRequest, ctx: SimContext, headers: Record<string, string>): SimResponse {
		const validated = validateInvoice(req.json);
		if (!validated.ok) return { ...apiError(400, 'VALIDATION_ERROR', validated.message), headers };
		const config = ctx.faults.config();
		const fault = ctx.faults.nextWrite();
		if (fault === 'throttle') return throttled(ctx);
		if (fault === 'failBeforeCommit') {
			return { ...apiError(failBeforeCommitStatus(config), 'INTERNAL_ERROR', 'The invoice service failed before processing the request'), headers };
		}
		const invoice = store(validated.body, ctx);
		return {
			status: 201,
			headers,
			body: { id: invoice.id, invoiceNumber: invoice.invoiceNumber, externalReference: invoice.reference, status: 'CREATED' },
			delivery: afterCommitDelivery(fault, config),
		};
	}

	async function createBatch(req: SimRequest, ctx: SimContext, headers: Record<string, string>): Promise<SimResponse> {
		const list = asRecord(req.json)?.invoices;
		if (!Array.isArray(list) || list.length === 0) {
			return { ...apiError(400, 'VALIDATION_ERROR', 'Body must be {"invoices": [...]} with at least one invoice'), headers };
		}
		const config = ctx.faults.config();
		const fault = ctx.faults.nextWrite();
		if (fault === 'throttle') return throttled(ctx);
		if (fault === 'failBeforeCommit') {
			return { ...apiError(failBeforeCommitStatus(config), 'INTERNAL_ERROR', 'The invoice service failed before processing the batch'), headers };
		}
		const rejectSpecial = option(config, 'rejectSpecialCharacters', false);
		const stopAt = midBatchFailureIndex(fault, config, list.length);
		const results: Array<Record<string, unknown>> = [];
		// Sequential, as the real API: what is committed before a failure stays committed.
		for (let index = 0; index < (stopAt ?? list.length); index += 1) {
			await commitPace(ctx);
			const item = asRecord(list[index]) ?? {};
			const identity = { index, invoiceNumber: item.invoiceNumber, externalReference: item.externalReference };
			const validated = validateInvoice(list[index]);
			if (!validated.ok) {
				results.push({ ...identity, status: 'ERROR', error: validated.message });
				continue;
			}
			if (rejectSpecial && typeof item.customerName === 'string' && SPECIAL_CHARACTERS.test(item.customerName)) {
				results.push({ ...identity, status: 'ERROR', error: 'Internal processing error' });
				continue;
			}
			const invoice = store(validated.body, ctx);
			results.push({ ...identity, id: invoice.id, status: 'CREATED' });
		}
		if (stopAt !== undefined) {
			if ((config.failMidBatchMode ?? 'partial500') === '504') return { status: 504, headers };
			return {
				status: 500,
				headers,
				body: { error: { code: 'BATCH_ABORTED', message: `Batch processing failed at invoice ${stopAt}` }, results },
			};
		}
		return { status: 200, headers, body: { results }, delivery: afterCommitDelivery(fault, config) };
	}

	function list(req: SimRequest, ctx: SimContext, headers: Record<string, string>): SimResponse {
		if (ctx.faults.nextRead() === 'throttle') return throttled(ctx);
		const externalRef = req.query.get('externalRef');
		if (externalRef !== null) {
			return { status: 200, headers, body: { items: visible(invoices, ctx).filter((invoice) => invoice.reference === externalRef).map(summary) } };
		}
		const from = req.query.get('invoiceDateFrom');
		const to = req.query.get('invoiceDateTo');
		if ((from !== null && !isIsoDate(from)) || (to !== null && !isIsoDate(to))) {
			return { ...apiError(400, 'VALIDATION_ERROR', 'invoiceDateFrom and invoiceDateTo must be dates YYYY-MM-DD'), headers };
		}
		const page = Number(req.query.get('page') ?? '1');
		const pageSize = Number(req.query.get('pageSize') ?? '100');
		if (!Number.isInteger(page) || page < 1 || !Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
			return { ...apiError(400, 'VALIDATION_ERROR', `page must be >= 1 and pageSize between 1 and ${MAX_PAGE_SIZE}`), headers };
		}
		const inRange = visible(invoices, ctx).filter(
			(invoice) => (from === null || (invoice.invoiceDate ?? '') >= from) && (to === null || (invoice.invoiceDate ?? '') <= to),
		);
		const items = inRange.slice((page - 1) * pageSize, page * pageSize).map(summary);
		return { status: 200, headers, body: { items, page, pageSize, totalItems: inRange.length } };
	}

	function handle(req: SimRequest, ctx: SimContext): SimResponse | Promise<SimResponse> {
		if (req.path === TOKEN_PATH) return issueToken(req, ctx);
		if (!req.path.startsWith(`/${INFOR_TENANT}/`)) return apiError(404, 'NOT_FOUND', `Unknown tenant or path ${req.path}`);
		if (!req.path.startsWith(INFOR_API_PATH)) return apiError(404, 'NOT_FOUND', `No API at ${req.path}`);
		const denied = authorise(req, ctx);
		if (denied) return denied;
		correlationCounter += 1;
		const headers = { 'x-correlation-id': req.headers['x-correlation-id'] ?? `ion-${correlationCounter}` };
		const route = `${req.method} ${req.path.slice(INFOR_API_PATH.length)}`;
		if (route === 'POST /invoices') return createOne(req, ctx, headers);
		if (route === 'POST /invoices/batch') return createBatch(req, ctx, headers);
		if (route === 'GET /invoices') return list(req, ctx, headers);
		const single = /^GET \/invoices\/([^/]+)$/.exec(route);
		if (single) {
			if (ctx.faults.nextRead() === 'throttle') return throttled(ctx);
			const found = invoices.find((invoice) => invoice.id === decodeURIComponent(single[1]));
			return found ? { status: 200, headers, body: summary(found) } : { ...apiError(404, 'NOT_FOUND', 'Invoice not found'), headers };
		}
		return { ...apiError(404, 'NOT_FOUND', `No route ${route}`), headers };
	}

	return {
		erp: 'infor',
		handle,
		truth: () => summariseTruth(invoices),
		reset,
		// ION answers a clash on its side with 409; the id only when it names the record.
		existsAnswer: (req, _ctx, otherId) =>
			req.path.endsWith('/invoices/batch')
				? undefined
				: { status: 409, body: { error: { code: 'DUPLICATE', message: 'An invoice with these values already exists', ...(otherId ? { id: otherId } : {}) } } },
		demoCredentials: (baseUrl) => ({ ionapi: inforDemoIonApi(baseUrl), apiBase: `${baseUrl}${INFOR_API_PATH}` }),
	};
}
