import { DateTime } from 'luxon';
import type { IDataObject } from 'n8n-workflow';

import { ErpLookupError, type ErpAdapter, type ErpContext, type FoundInvoice, type LookupHint } from '../types';
import { isTransientFailure, statusText } from '../transport';
import { toSaveSalesDocumentForm } from './body';
import {
	classifyErply,
	erplyErrorMessage,
	ERPLY_QUOTA_CODE,
	ERPLY_RETRY_LATER_CODES,
} from './classify';
import { parseErplyBody } from './endpoint';
import { callErply } from './session';

/** Erply's largest page. */
const RECORDS_ON_PAGE = 100;
/** A guard against a paging answer that never ends (100 000 documents). */
const MAX_PAGES = 1000;
/** Up to this many hinted invoice numbers are looked up one by one; more share one date-range scan. */
const MAX_NUMBER_QUERIES = 5;

function dateOnly(value: string): string {
	const match = /^\d{4}-\d{2}-\d{2}/.exec(value.trim());
	return match ? match[0] : value;
}

function toFound(document: IDataObject): FoundInvoice | undefined {
	if (document.id === undefined || document.id === null || document.id === '') return undefined;
	const amount = Number(document.total);
	return {
		reference: String(document.customReferenceNumber ?? ''),
		erpId: String(document.id),
		invoiceNumber: document.number === undefined ? undefined : String(document.number),
		invoiceDate: typeof document.date === 'string' ? document.date : undefined,
		amount: Number.isFinite(amount) ? amount : undefined,
		currency: typeof document.currencyCode === 'string' && document.currencyCode ? document.currencyCode : undefined,
		// getSalesDocuments names the customer `clientID`; saveSalesDocument takes it as `customerID`.
		party: [document.clientID, document.customerID].map((id) => (id === undefined || id === null || id === '' ? undefined : String(id))).find(Boolean),
	};
}

/** Every sales document matching `filter`, all pages. Throws ErpLookupError when Erply cannot answer. */
async function getSalesDocuments(ctx: ErpContext, filter: Record<string, string>): Promise<FoundInvoice[]> {
	const found: FoundInvoice[] = [];
	for (let pageNo = 1; pageNo <= MAX_PAGES; pageNo++) {
		const call = await callErply(ctx, {
			request: 'getSalesDocuments',
			...filter,
			recordsOnPage: String(RECORDS_ON_PAGE),
			pageNo: String(pageNo),
		});
		if ('loginFailure' in call) {
			throw new ErpLookupError(call.loginFailure.message ?? 'Erply login failed', call.loginFailure.outcome === 'retryable');
		}
		const { result } = call;
		if (result.kind === 'failure') {
			throw new ErpLookupError(`Erply getSalesDocuments failed (${result.code}): ${result.message}`, isTransientFailure(result));
		}
		const parsed = result.status === 200 ? parseErplyBody(result.body) : undefined;
		if (!parsed) {
			// A 200 that is not Erply's answer may be a passing glitch; any other status says what it is.
			const retryable = result.status === 200 || isTransientFailure(result);
			throw new ErpLookupError(`Erply getSalesDocuments answered ${statusText(result)} without a status`, retryable);
		}
		const { status, records } = parsed;
		if (status.responseStatus !== 'ok' || status.errorCode) {
			const code = status.errorCode ?? 0;
			const retryable = code === ERPLY_QUOTA_CODE || ERPLY_RETRY_LATER_CODES.has(code);
			throw new ErpLookupError(`Erply getSalesDocuments: ${erplyErrorMessage(code, status.errorField)}`, retryable);
		}
		for (const document of records) {
			const item = toFound(document);
			if (item) found.push(item);
		}
		const total = status.recordsTotal ?? 0;
		if (records.length < RECORDS_ON_PAGE || pageNo * RECORDS_ON_PAGE >= total) return found;
	}
	throw new ErpLookupError(`Erply getSalesDocuments exceeded ${MAX_PAGES} pages`, false);
}

/**
 * The getSalesDocuments filters that cover every reference: by invoice number when a few hinted
 * numbers are known, else one date range spanning the hinted invoices (and the look-back window for
 * references without a hint). The filter only narrows the scan: matching is always on
 * customReferenceNumber, so an unsupported filter costs time, never correctness.
 */
export function lookupFilters(references: string[], hint: LookupHint): Array<Record<string, string>> {
	const hinted = references.map((reference) => hint.invoices?.get(reference));
	const numbers = [...new Set(hinted.map((invoice) => invoice?.invoiceNumber).filter((n): n is string => !!n))];
	if (hinted.every((invoice) => invoice?.invoiceNumber) && numbers.length <= MAX_NUMBER_QUERIES) {
		return numbers.map((number) => ({ number }));
	}
	const dates = hinted.map((invoice) => (invoice?.invoiceDate ? dateOnly(invoice.invoiceDate) : undefined));
	const knownDates = dates.filter((date): date is string => !!date).sort();
	const allDated = knownDates.length === dates.length;
	const lookbackStart = DateTime.utc().minus({ days: hint.lookbackDays }).toISODate() ?? undefined;
	const dateFrom = allDated ? knownDates[0] : [knownDates[0], lookbackStart].filter((d): d is string => !!d).sort()[0];
	return [{ ...(dateFrom ? { dateFrom } : {}), ...(allDated ? { dateTo: knownDates[knownDates.length - 1] } : {}) }];
}

export const erplyAdapter: ErpAdapter = {
	erp: 'erply',
	credentialType: 'erplyApi',

	capabilities() {
		return {
			// temporaryUUID refuses a repeat only for 24 hours (learn-api.erply.com, saveSalesDocument:
			// "remembered for 24 hours"); past that only a lookup protects, so the engine looks new keys
			// up before their first post.
			nativeUniqueness: false,
			// Erply documents no server-side processing limit; a document edit waits at most 5 s for
			// another (error 1205), and its API front ends cut requests at about 30 s (unverified):
			// 30 s covers a save still running when the client gave up. The UUID guards a resend anyway.
			settleMs: 30_000,
			lookupChunkSize: 100,
		};
	},

	async create(ctx, attempt) {
		const form = toSaveSalesDocumentForm(attempt, ctx.settings);
		if ('problem' in form) return { outcome: 'permanent', message: form.problem };
		const call = await callErply(ctx, form.body);
		return 'loginFailure' in call ? call.loginFailure : classifyErply(call.result);
	},

	async findByReferences(ctx, references, hint) {
		const wanted = new Map<string, FoundInvoice[]>(references.map((reference) => [reference, []]));
		if (references.length === 0) return wanted;
		const seen = new Set<string>();
		for (const filter of lookupFilters(references, hint)) {
			for (const invoice of await getSalesDocuments(ctx, filter)) {
				if (seen.has(invoice.erpId)) continue;
				seen.add(invoice.erpId);
				wanted.get(invoice.reference)?.push(invoice);
			}
		}
		return wanted;
	},

	async listRange(ctx, range) {
		return await getSalesDocuments(ctx, { dateFrom: range.from, dateTo: range.to });
	},

	partyOf(_ctx, invoice) {
		return invoice.customerId;
	},

	classify(result) {
		return classifyErply(result);
	},
};
