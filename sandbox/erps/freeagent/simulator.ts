import {
	afterCommitDelivery,
	asRecord,
	basicCredentials,
	bearerToken,
	failBeforeCommitStatus,
	isIsoDate,
	option,
	pause,
	retryAfterSeconds,
} from '../../core/responses';
import { noteCommit, visible } from '../../core/hostile';
import { summariseTruth } from '../../core/truth';
import type { FaultConfig, SimContext, SimRequest, SimResponse, Simulator } from '../../core/types';
import { SlidingWindowLimit } from './sliding-window';

/**
 * FreeAgent API v2 (dev.freeagent.com): OAuth2 authorization code with rotating refresh tokens, a
 * required User-Agent, per-user rate limits, and invoices whose reference must be unique — with the
 * seed's race: a reference-less POST takes "the next number" from the last *persisted* invoice.
 */

const AUTH_CODE_TTL_MS = 10 * 60_000;
const MAX_PER_PAGE = 100;
const DEFAULT_PER_PAGE = 25;
const SANDBOX_USER = 'sandbox-user';

interface Settings {
	clientId: string;
	clientSecret: string;
	perMinute: number;
	perHour: number;
	sendRetryAfter: boolean;
	persistDelayMs: number;
	tokenTtlMs: number;
}

function settingsOf(config: FaultConfig): Settings {
	return {
		clientId: option(config, 'clientId', 'sandbox-client'),
		clientSecret: option(config, 'clientSecret', 'sandbox-secret'),
		perMinute: option(config, 'perMinute', 120),
		perHour: option(config, 'perHour', 3600),
		// Whether FreeAgent sends Retry-After on 429 is not documented: off unless asked.
		sendRetryAfter: option(config, 'sendRetryAfter', false),
		persistDelayMs: option(config, 'persistDelayMs', 50),
		tokenTtlMs: config.tokenTtlMs ?? 3_600_000,
	};
}

interface InvoiceItem {
	item_type: string;
	quantity: string;
	price: string;
	description: string;
}

interface FreeAgentInvoice {
	number: number;
	contact: string;
	dated_on: string;
	payment_terms_in_days: number;
	reference: string;
	currency: string;
	invoice_items: InvoiceItem[];
	extra: Record<string, unknown>;
	createdAt: number;
	updatedAt: number;
}

type ValidInvoice = Omit<FreeAgentInvoice, 'number' | 'createdAt' | 'updatedAt' | 'reference'> & { reference?: string };

export function createFreeAgentSimulator(): Simulator {
	return new FreeAgentSimulator();
}

class FreeAgentSimulator implements Simulator {
	readonly erp = 'freeagent' as const;
	private invoices: FreeAgentInvoice[] = [];
	private readonly codes = new Map<string, { clientId: string; redirectUri: string; expiresAt: number }>();
	private readonly accessTokens = new Map<string, { expiresAt: number; user: string }>();
	private readonly refreshTokens = new Map<string, { clientId: string; user: string }>();
	private readonly perMinute = new SlidingWindowLimit();
	private readonly perHour = new SlidingWindowLimit();
	private invoiceCounter = 0;
	private credentialCounter = 0;
	/** Invoice URLs carry the base URL the client used; truth() has no context, so remember it. */
	private lastBaseUrl = '';

	demoCredentials(baseUrl: string): Record<string, unknown> {
		return {
			clientId: 'sandbox-client',
			clientSecret: 'sandbox-secret',
			authUrl: `${baseUrl}/v2/approve_app`,
			accessTokenUrl: `${baseUrl}/v2/token_endpoint`,
			apiBaseUrl: `${baseUrl}/v2`,
		};
	}

	truth() {
		return summariseTruth(
			this.invoices.map((invoice) => ({
				id: this.urlOf(invoice, this.lastBaseUrl),
				reference: invoice.reference,
				invoiceNumber: invoice.reference,
				invoiceDate: invoice.dated_on,
				amount: netValue(invoice),
				createdAt: new Date(invoice.createdAt).toISOString(),
				raw: this.representation(invoice, this.lastBaseUrl),
			})),
		);
	}

	/** FreeAgent's unique index on reference: 422 "Reference has already been taken", never an id. */
	existsAnswer(): SimResponse {
		return referenceTaken();
	}

	reset(): void {
		this.invoices = [];
		this.codes.clear();
		this.accessTokens.clear();
		this.refreshTokens.clear();
		this.perMinute.reset();
		this.perHour.reset();
		this.invoiceCounter = 0;
		this.credentialCounter = 0;
	}

	async handle(req: SimRequest, ctx: SimContext): Promise<SimResponse> {
		this.lastBaseUrl = ctx.baseUrl;
		const settings = settingsOf(ctx.faults.config());
		if (req.path === '/v2/approve_app' && req.method === 'GET') return this.approveApp(req, ctx, settings);
		if (req.path === '/v2/token_endpoint' && req.method === 'POST') return this.tokenEndpoint(req, ctx, settings);
		if (!req.path.startsWith('/v2/')) return notFound();

		if (!req.headers['user-agent']) return errors(400, 'User-Agent header is required. Please identify your application.');
		const user = this.authenticate(req, ctx);
		if (typeof user !== 'string') return user;
		const limited = this.takeRequest(user, ctx, settings);
		if (limited) return limited;

		if (req.path === '/v2/invoices' && req.method === 'POST') return this.createInvoice(req, ctx, settings);
		if (ctx.faults.nextRead() === 'throttle') return throttled(settings, retryAfterSeconds(ctx.faults.config()));
		if (req.path === '/v2/invoices' && req.method === 'GET') return this.listInvoices(req, ctx);
		const single = /^\/v2\/invoices\/(\d+)$/.exec(req.path);
		if (single && req.method === 'GET') {
			const invoice = this.invoices.find((candidate) => candidate.number === Number(single[1]));
			return invoice ? { status: 200, body: { invoice: this.representation(invoice, ctx.baseUrl) } } : notFound();
		}
		return notFound();
	}

	// ---- OAuth2 ----

	private approveApp(req: SimRequest, ctx: SimContext, settings: Settings): SimResponse {
		const clientId = req.query.get('client_id');
		const redirectUri = req.query.get('redirect_uri');
		if (clientId !== settings.clientId) return { status: 400, body: 'Unknown client_id: this application is not registered.' };
		if (req.query.get('response_type') !== 'code') return { status: 400, body: "response_type must be 'code'." };
		if (!redirectUri || !/^https?:\/\//.test(redirectUri)) return { status: 400, body: 'A valid redirect_uri is required.' };
		// The sandbox user approves at once, so tests and the demo need no browser.
		this.credentialCounter += 1;
		const code = `fa-code-${this.credentialCounter}`;
		this.codes.set(code, { clientId, redirectUri, expiresAt: ctx.now() + AUTH_CODE_TTL_MS });
		const location = new URL(redirectUri);
		location.searchParams.set('code', code);
		const state = req.query.get('state');
		if (state !== null) location.searchParams.set('state', state);
		return { status: 302, headers: { Location: location.toString() } };
	}

	private tokenEndpoint(req: SimRequest, ctx: SimContext, settings: Settings): SimResponse {
		if (ctx.faults.nextRead() === 'throttle') return throttled(settings, retryAfterSeconds(ctx.faults.config()));
		const form = req.form ?? new URLSearchParams(asRecord(req.json) as Record<string, string> | undefined);
		const basic = basicCredentials(req);
		const clientId = basic?.user ?? form.get('client_id') ?? '';
		const clientSecret = basic?.password ?? form.get('client_secret') ?? '';
		if (clientId !== settings.clientId || clientSecret !== settings.clientSecret) {
			return { status: 401, body: { error: 'invalid_client', error_description: 'Client authentication failed.' } };
		}
		const grantType = form.get('grant_type');
		if (grantType === 'authorization_code') {
			const code = this.codes.get(form.get('code') ?? '');
			const redirectUri = form.get('redirect_uri');
			if (!code || code.clientId !== clientId || code.expiresAt <= ctx.now() || (redirectUri !== null && redirectUri !== code.redirectUri)) {
				return invalidGrant('The authorization code is invalid, expired, already used, or was issued to another client or redirect URI.');
			}
			this.codes.delete(form.get('code') ?? '');
			return this.issueTokens(clientId, SANDBOX_USER, ctx, settings);
		}
		if (grantType === 'refresh_token') {
			const presented = form.get('refresh_token') ?? '';
			const known = this.refreshTokens.get(presented);
			if (!known || known.clientId !== clientId) return invalidGrant('The refresh token is invalid or has already been used.');
			// Rotation: the old refresh token is spent the moment a new one is issued.
			this.refreshTokens.delete(presented);
			return this.issueTokens(clientId, known.user, ctx, settings);
		}
		return { status: 400, body: { error: 'unsupported_grant_type', error_description: `grant_type '${grantType ?? ''}' is not supported.` } };
	}

	private issueTokens(clientId: string, user: string, ctx: SimContext, settings: Settings): SimResponse {
		this.credentialCounter += 1;
		const accessToken = `fa-at-${this.credentialCounter}`;
		const refreshToken = `fa-rt-${this.credentialCounter}`;
		this.accessTokens.set(accessToken, { expiresAt: ctx.now() + settings.tokenTtlMs, user });
		this.refreshTokens.set(refreshToken, { clientId, user });
		return {
			status: 200,
			body: { access_token: accessToken, token_type: 'bearer', expires_in: Math.round(settings.tokenTtlMs / 1000), refresh_token: refreshToken },
		};
	}

	private authenticate(req: SimRequest, ctx: SimContext): string | SimResponse {
		const token = bearerToken(req);
		const known = token === undefined ? undefined : this.accessTokens.get(token);
		if (!known) return { status: 401, body: { errors: { error: { message: 'Access token not recognised' } } } };
		if (known.expiresAt <= ctx.now()) return { status: 401, body: { errors: { error: { message: 'Access token expired' } } } };
		return known.user;
	}

	private takeRequest(user: string, ctx: SimContext, settings: Settings): SimResponse | undefined {
		const minuteWait = this.perMinute.take(user, ctx.now(), settings.perMinute, 60_000);
		if (minuteWait !== undefined) return throttled(settings, Math.ceil(minuteWait / 1000));
		const hourWait = this.perHour.take(user, ctx.now(), settings.perHour, 3_600_000);
		if (hourWait !== undefined) return throttled(settings, Math.ceil(hourWait / 1000));
		return undefined;
	}

	// ---- invoices ----

	private async createInvoice(req: SimRequest, ctx: SimContext, settings: Settings): Promise<SimResponse> {
		const validated = validateInvoice(req.json);
		if (typeof validated === 'string') return errors(422, validated);
		if (validated.reference !== undefined && this.referenceTaken(validated.reference)) return referenceTaken();
		// The seed's race: the next number comes from the last invoice persisted *now*, before the write.
		const reference = validated.reference ?? nextReference(this.invoices[this.invoices.length - 1]?.reference);

		const config = ctx.faults.config();
		const fault = ctx.faults.nextWrite();
		if (fault === 'throttle') return throttled(settings, retryAfterSeconds(config));
		if (fault === 'failBeforeCommit') {
			const status = failBeforeCommitStatus(config);
			return errors(status, status === 503 ? 'Service temporarily unavailable' : 'Internal server error');
		}

		await pause(settings.persistDelayMs);
		// The unique index catches whichever concurrent request persists second.
		if (this.referenceTaken(reference)) return referenceTaken();
		this.invoiceCounter += 1;
		const invoice: FreeAgentInvoice = { ...validated, reference, number: this.invoiceCounter, createdAt: ctx.now(), updatedAt: ctx.now() };
		this.invoices.push(noteCommit(invoice, ctx));
		return {
			status: 201,
			headers: { Location: this.urlOf(invoice, ctx.baseUrl) },
			body: { invoice: this.representation(invoice, ctx.baseUrl) },
			delivery: afterCommitDelivery(fault, config),
		};
	}

	private referenceTaken(reference: string): boolean {
		return this.invoices.some((invoice) => invoice.reference === reference);
	}

	private listInvoices(req: SimRequest, ctx: SimContext): SimResponse {
		const view = req.query.get('view') ?? 'all';
		const since = req.query.get('updated_since');
		const sinceMs = since === null ? undefined : Date.parse(since);
		if (sinceMs !== undefined && Number.isNaN(sinceMs)) return errors(422, `updated_since '${since}' is not a valid ISO 8601 timestamp`);
		const sort = req.query.get('sort') ?? 'created_at';
		const sortMatch = /^(-?)(created_at|updated_at)$/.exec(sort);
		if (!sortMatch) return errors(422, `sort '${sort}' is not supported`);
		const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Number(req.query.get('per_page') ?? DEFAULT_PER_PAGE) || DEFAULT_PER_PAGE));
		const page = Math.max(1, Number(req.query.get('page') ?? 1) || 1);

		// Every sandbox invoice is a draft: views of open, overdue or paid invoices list none of them.
		const listed = view === 'all' || view === 'draft' ? visible(this.invoices, ctx) : [];
		const field = sortMatch[2] === 'created_at' ? 'createdAt' : 'updatedAt';
		const direction = sortMatch[1] === '-' ? -1 : 1;
		const matching = listed
			.filter((invoice) => sinceMs === undefined || invoice.updatedAt >= sinceMs)
			.sort((a, b) => direction * (a[field] - b[field] || a.number - b.number));
		const lastPage = Math.max(1, Math.ceil(matching.length / perPage));
		const pageItems = matching.slice((page - 1) * perPage, page * perPage);

		const pageUrl = (target: number) => {
			const query = new URLSearchParams(req.query);
			query.set('page', String(target));
			query.set('per_page', String(perPage));
			return `<${ctx.baseUrl}/v2/invoices?${query.toString()}>`;
		};
		const links: string[] = [];
		if (page > 1) links.push(`${pageUrl(page - 1)}; rel="prev"`, `${pageUrl(1)}; rel="first"`);
		if (page < lastPage) links.push(`${pageUrl(page + 1)}; rel="next"`, `${pageUrl(lastPage)}; rel="last"`);
		const headers: Record<string, string> = { 'X-Total-Count': String(matching.length) };
		if (links.length > 0) headers.Link = links.join(', ');
		return { status: 200, headers, body: { invoices: pageItems.map((invoice) => this.representation(invoice, ctx.baseUrl)) } };
	}

	private urlOf(invoice: FreeAgentInvoice, baseUrl: string): string {
		return `${baseUrl}/v2/invoices/${invoice.number}`;
	}

	private representation(invoice: FreeAgentInvoice, baseUrl: string): Record<string, unknown> {
		const net = money(netValue(invoice));
		return {
			...invoice.extra,
			url: this.urlOf(invoice, baseUrl),
			contact: invoice.contact,
			dated_on: invoice.dated_on,
			due_on: addDays(invoice.dated_on, invoice.payment_terms_in_days),
			reference: invoice.reference,
			currency: invoice.currency,
			exchange_rate: '1.0',
			net_value: net,
			sales_tax_value: '0.0',
			total_value: net,
			paid_value: '0.0',
			due_value: net,
			status: 'Draft',
			long_status: 'Draft',
			payment_terms_in_days: invoice.payment_terms_in_days,
			created_at: new Date(invoice.createdAt).toISOString(),
			updated_at: new Date(invoice.updatedAt).toISOString(),
			invoice_items: invoice.invoice_items.map((item, index) => ({ position: index + 1, ...item })),
		};
	}
}

// ---- helpers ----

/** The invoice, or FreeAgent's validation message for the first problem. */
function validateInvoice(json: unknown): ValidInvoice | string {
	const invoice = asRecord(asRecord(json)?.invoice);
	if (!invoice) return "Invoice can't be blank: send {\"invoice\": {…}}";
	const { contact, dated_on: datedOn, payment_terms_in_days: terms, reference, currency, invoice_items: items, ...extra } = invoice;
	if (typeof contact !== 'string' || contact === '') return "Contact can't be blank";
	if (datedOn === undefined || datedOn === '') return "Dated on can't be blank";
	if (!isIsoDate(datedOn) || Number.isNaN(Date.parse(datedOn))) return 'Dated on is not a valid date';
	const paymentTerms = Number(terms);
	if (terms === undefined || terms === '' || !Number.isInteger(paymentTerms) || paymentTerms < 0) {
		return 'Payment terms in days must be a whole number of days';
	}
	if (reference !== undefined && reference !== null && (typeof reference !== 'string' || reference.trim() === '')) {
		return 'Reference is invalid';
	}
	const lines = items === undefined ? [] : items;
	if (!Array.isArray(lines)) return 'Invoice items must be a list';
	const invoiceItems: InvoiceItem[] = [];
	for (const line of lines) {
		const item = asRecord(line);
		if (!item || Number.isNaN(Number(item.quantity ?? 1)) || Number.isNaN(Number(item.price ?? 0))) {
			return 'Invoice items are invalid: quantity and price must be numbers';
		}
		invoiceItems.push({
			item_type: String(item.item_type ?? 'Services'),
			quantity: String(item.quantity ?? '1'),
			price: String(item.price ?? '0'),
			description: String(item.description ?? ''),
		});
	}
	return {
		contact,
		dated_on: datedOn,
		payment_terms_in_days: paymentTerms,
		reference: typeof reference === 'string' ? reference : undefined,
		currency: typeof currency === 'string' && currency !== '' ? currency : 'GBP',
		invoice_items: invoiceItems,
		extra,
	};
}

/** FreeAgent's next reference: the last invoice's, with its trailing number incremented (width kept). */
export function nextReference(last: string | undefined): string {
	if (last === undefined) return '001';
	const match = /(\d+)(\D*)$/.exec(last);
	if (!match) return `${last}-001`;
	const next = String(Number(match[1]) + 1).padStart(match[1].length, '0');
	return `${last.slice(0, match.index)}${next}${match[2]}`;
}

function netValue(invoice: FreeAgentInvoice): number {
	return invoice.invoice_items.reduce((sum, item) => sum + Number(item.quantity) * Number(item.price), 0);
}

function money(value: number): string {
	return value.toFixed(2);
}

function addDays(isoDate: string, days: number): string {
	const date = new Date(`${isoDate}T00:00:00Z`);
	date.setUTCDate(date.getUTCDate() + days);
	return date.toISOString().slice(0, 10);
}

function errors(status: number, message: string): SimResponse {
	return { status, body: { errors: [{ message }] } };
}

function referenceTaken(): SimResponse {
	return errors(422, 'Reference has already been taken');
}

function notFound(): SimResponse {
	return { status: 404, body: { errors: { error: { message: 'Resource not found' } } } };
}

function invalidGrant(description: string): SimResponse {
	return { status: 400, body: { error: 'invalid_grant', error_description: description } };
}

function throttled(settings: Settings, retryAfter: number): SimResponse {
	const headers: Record<string, string> = settings.sendRetryAfter ? { 'Retry-After': String(Math.max(1, retryAfter)) } : {};
	return { status: 429, headers, body: { errors: [{ message: 'Rate limit exceeded. Please wait before making further requests.' }] } };
}
