import { DateTime } from 'luxon';
import type { IDataObject } from 'n8n-workflow';

import {
	ErpLookupError,
	type ErpAdapter,
	type ErpContext,
	type FoundInvoice,
	type HttpRequest,
	type HttpResult,
	type PostResult,
} from '../types';
import { isTransientFailure, statusText } from '../transport';
import { toFreeAgentInvoice, freeAgentContactUrl } from './body';
import { classifyFreeAgent, freeAgentErrorMessage } from './classify';
import { freeAgentBaseUrl } from './hosts';
import { FREEAGENT_DEFAULT_USER_AGENT } from './settings.description';

const PAGE_SIZE = 100;
/** A guard against a Link header that never ends (100 000 invoices at 100 a page). */
const MAX_PAGES = 1000;

function headers(ctx: ErpContext): Record<string, string> {
	return {
		'User-Agent': String(ctx.settings.userAgent || FREEAGENT_DEFAULT_USER_AGENT),
		Accept: 'application/json',
	};
}

/** The `rel="next"` target of a Link header, or undefined on the last page. */
export function nextPageUrl(linkHeader: string | undefined): string | undefined {
	if (!linkHeader) return undefined;
	for (const part of linkHeader.split(',')) {
		const match = /<([^>]+)>\s*;(.*)/.exec(part.trim());
		if (match && /rel\s*=\s*"?next"?/i.test(match[2])) return match[1];
	}
	return undefined;
}

function lookupFailure(result: HttpResult): ErpLookupError {
	if (result.kind === 'failure') {
		return new ErpLookupError(`FreeAgent invoice list failed (${result.code}): ${result.message}`, isTransientFailure(result));
	}
	const message = freeAgentErrorMessage(result.body) ?? statusText(result);
	const retryable = result.status === 429 || result.status >= 500;
	return new ErpLookupError(`FreeAgent invoice list failed (${statusText(result)}): ${message}`, retryable);
}

function toFound(invoice: IDataObject): FoundInvoice | undefined {
	if (typeof invoice.url !== 'string') return undefined;
	const reference = String(invoice.reference ?? '');
	const amount = Number(invoice.total_value ?? invoice.net_value);
	return {
		reference,
		erpId: invoice.url,
		// FreeAgent's one number field holds the reference we post, not the canonical invoiceNumber: not comparable.
		invoiceDate: typeof invoice.dated_on === 'string' ? invoice.dated_on : undefined,
		amount: Number.isFinite(amount) ? amount : undefined,
		currency: typeof invoice.currency === 'string' ? invoice.currency : undefined,
		party: typeof invoice.contact === 'string' ? invoice.contact : undefined,
	};
}

/**
 * Every invoice of the account (optionally only those updated since a time), newest first.
 * FreeAgent has no filter by reference, so callers match locally; one scan serves many references.
 */
async function scanInvoices(ctx: ErpContext, updatedSince?: string): Promise<FoundInvoice[]> {
	const baseUrl = freeAgentBaseUrl(ctx.credentials);
	const origin = new URL(baseUrl).origin;
	const found: FoundInvoice[] = [];
	let request: HttpRequest = {
		method: 'GET',
		url: `${baseUrl}/v2/invoices`,
		headers: headers(ctx),
		qs: {
			view: 'all',
			...(updatedSince ? { updated_since: updatedSince } : {}),
			sort: '-updated_at',
			per_page: PAGE_SIZE,
			page: 1,
		},
		timeoutMs: ctx.requestTimeoutMs,
	};
	for (let page = 1; page <= MAX_PAGES; page++) {
		const result = await ctx.transport.send(request);
		if (result.kind === 'failure' || result.status !== 200) throw lookupFailure(result);
		const body = result.body as IDataObject | undefined;
		const invoices = Array.isArray(body?.invoices) ? (body.invoices as IDataObject[]) : undefined;
		if (!invoices) throw new ErpLookupError('FreeAgent invoice list answered without "invoices"', true);
		for (const invoice of invoices) {
			const item = toFound(invoice);
			if (item) found.push(item);
		}
		const next = nextPageUrl(result.headers.link);
		if (!next || invoices.length === 0) return found;
		// Follow only links on the credential's own host: the bearer token must not travel elsewhere.
		const nextUrl = new URL(next, baseUrl);
		if (nextUrl.origin !== origin) {
			throw new ErpLookupError(`FreeAgent pagination pointed to another host (${nextUrl.origin})`, false);
		}
		request = { ...request, url: nextUrl.toString(), qs: undefined };
	}
	throw new ErpLookupError(`FreeAgent invoice list exceeded ${MAX_PAGES} pages`, false);
}

export const freeAgentAdapter: ErpAdapter = {
	erp: 'freeAgent',
	credentialType: 'freeAgentOAuth2Api',

	capabilities() {
		return {
			// References are unique per FreeAgent account: a second post of one gets a 422
			// (dev.freeagent.com "Invoices": reference "must be unique"; seed 003).
			nativeUniqueness: true,
			// FreeAgent documents no processing limit; its front end ends requests after 30 s (unverified).
			// The unique reference guards a resend, so the window only delays the verification.
			settleMs: 30_000,
			// Without this FreeAgent hands concurrent posts the same reference (seed 003).
			maxConcurrency: 1,
			// A lookup is one scan of the account whatever the number of references.
			lookupChunkSize: 1000,
		};
	},

	async create(ctx, attempt): Promise<PostResult> {
		const baseUrl = freeAgentBaseUrl(ctx.credentials);
		const contactUrl = freeAgentContactUrl(attempt.invoice, baseUrl);
		if (!contactUrl) {
			return {
				outcome: 'permanent',
				message: 'FreeAgent needs a contact: set contactUrl (or customerId) on the invoice',
			};
		}
		const body = toFreeAgentInvoice(attempt, contactUrl, ctx.settings);
		if ('problem' in body) return { outcome: 'permanent', message: body.problem };
		const result = await ctx.transport.send({
			method: 'POST',
			url: `${baseUrl}/v2/invoices`,
			headers: {
				...headers(ctx),
				...(attempt.idempotencyHeader
					? { [attempt.idempotencyHeader.name]: attempt.idempotencyHeader.value }
					: {}),
			},
			body: body.body,
			timeoutMs: ctx.requestTimeoutMs,
		});
		const pattern = ctx.settings.referenceTakenPattern;
		return classifyFreeAgent(result, typeof pattern === 'string' && pattern ? pattern : undefined);
	},

	async findByReferences(ctx, references, hint) {
		const wanted = new Map<string, FoundInvoice[]>(references.map((reference) => [reference, []]));
		if (references.length === 0) return wanted;
		const updatedSince = DateTime.utc().minus({ days: hint.lookbackDays }).toISO();
		for (const invoice of await scanInvoices(ctx, updatedSince ?? undefined)) {
			wanted.get(invoice.reference)?.push(invoice);
		}
		return wanted;
	},

	async listRange(ctx, range) {
		// FreeAgent's list has no documented filter on dated_on: scan and keep the range locally.
		const invoices = await scanInvoices(ctx);
		return invoices.filter(
			(invoice) => !!invoice.invoiceDate && invoice.invoiceDate >= range.from && invoice.invoiceDate <= range.to,
		);
	},

	partyOf(ctx, invoice) {
		return freeAgentContactUrl(invoice, freeAgentBaseUrl(ctx.credentials));
	},

	classify(result) {
		return classifyFreeAgent(result);
	},
};
