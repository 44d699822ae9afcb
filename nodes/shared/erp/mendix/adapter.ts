import type { IDataObject } from 'n8n-workflow';
import { ErpLookupError, type ErpAdapter, type ErpContext, type FoundInvoice } from '../types';
import { mendixInvoiceBody, transactionIdOf } from './body';
import { statusText } from '../transport';
import { classifyMendix, mendixMessage } from './classify';
import { MENDIX_DEFAULT_SERVICE_PATH } from './settings.description';

/** The service has no batch lookup: one GET per reference, this many per call. */
const LOOKUP_CHUNK_SIZE = 20;

/** `{baseUrl}{servicePath}/invoices`, or the reason it cannot be built (a configuration error). */
function invoicesUrl(ctx: ErpContext): string | { problem: string } {
	const baseUrl = typeof ctx.credentials.baseUrl === 'string' ? ctx.credentials.baseUrl.trim().replace(/\/+$/, '') : '';
	if (!/^https?:\/\/[^/]+/i.test(baseUrl)) {
		return { problem: 'The Mendix credential needs a Base URL such as https://invoices-app.mendixcloud.com' };
	}
	const configured = typeof ctx.settings.servicePath === 'string' ? ctx.settings.servicePath.trim() : '';
	const servicePath = (configured === '' ? MENDIX_DEFAULT_SERVICE_PATH : configured).replace(/^\/*/, '/').replace(/\/+$/, '');
	return `${baseUrl}${servicePath}/invoices`;
}

const JSON_ACCEPT = { Accept: 'application/json' };

export const mendixAdapter: ErpAdapter = {
	erp: 'mendix',
	credentialType: 'mendixApi',

	capabilities() {
		return {
			// The service contract (seed 002) is a unique constraint on transactionId plus a
			// check-first microflow: the same transactionId answers 200 with the existing invoice or 409.
			// A service without that constraint does not meet the contract this adapter is for.
			nativeUniqueness: true,
			// Mendix Cloud's front end ends a request after a few minutes at most while the microflow may
			// still commit; 60 s covers the common microflow (unverified); uniqueness guards a resend anyway.
			settleMs: 60_000,
			lookupChunkSize: LOOKUP_CHUNK_SIZE,
		};
	},

	async create(ctx, attempt) {
		const url = invoicesUrl(ctx);
		if (typeof url !== 'string') return { outcome: 'permanent', message: url.problem };
		const body = mendixInvoiceBody(attempt.invoice, attempt.reference);
		if ('problem' in body) return { outcome: 'permanent', message: body.problem };
		const headers: Record<string, string> = { ...JSON_ACCEPT, 'Content-Type': 'application/json; charset=utf-8' };
		if (attempt.idempotencyHeader) headers[attempt.idempotencyHeader.name] = attempt.idempotencyHeader.value;
		const result = await ctx.transport.send({
			method: 'POST',
			url,
			headers,
			body: body.body,
			timeoutMs: ctx.requestTimeoutMs,
		});
		return classifyMendix(result);
	},

	async findByReferences(ctx, references, hint) {
		const url = invoicesUrl(ctx);
		if (typeof url !== 'string') throw new ErpLookupError(url.problem, false);
		const found = new Map<string, FoundInvoice[]>();
		for (const reference of references) {
			if (found.has(reference)) continue;
			const transactionId = transactionIdOf(hint.invoices?.get(reference), reference);
			const answer = await ctx.transport.send({
				method: 'GET',
				url,
				qs: { transactionId },
				headers: JSON_ACCEPT,
				timeoutMs: ctx.requestTimeoutMs,
			});
			if (answer.kind === 'failure') {
				throw new ErpLookupError(`Mendix lookup failed (${answer.code}): ${answer.message}`, true);
			}
			if (answer.status !== 200) {
				throw new ErpLookupError(
					`Mendix lookup answered ${statusText(answer)}: ${mendixMessage(answer.body) ?? ''}`.trim(),
					answer.status === 429 || answer.status >= 500,
				);
			}
			const records = listOf(answer.body);
			if (!records) throw new ErpLookupError('Mendix lookup answer is not a list of invoices', false);
			// Filter again here: a service that ignores the query parameter must not make every invoice a match.
			found.set(
				reference,
				records
					.filter((record) => String(record.transactionId ?? '') === transactionId && record.invoiceId !== undefined)
					.map((record) => ({
						reference,
						erpId: String(record.invoiceId),
						invoiceNumber: typeof record.invoiceNumber === 'string' ? record.invoiceNumber : undefined,
						invoiceDate: typeof record.invoiceDate === 'string' ? record.invoiceDate : undefined,
						amount: typeof record.amount === 'number' ? record.amount : undefined,
						currency: typeof record.currency === 'string' ? record.currency : undefined,
						party: typeof record.customerId === 'string' ? record.customerId : undefined,
					})),
			);
		}
		return found;
	},

	partyOf: (_ctx, invoice) => invoice.customerId ?? invoice.vendorAccount,
	classify: classifyMendix,
};

/** A bare array (the contract) or one wrapped as `{items}` / `{invoices}` (common microflow exports). */
function listOf(body: unknown): IDataObject[] | undefined {
	if (Array.isArray(body)) return body as IDataObject[];
	const wrapped = body as { items?: unknown; invoices?: unknown } | undefined;
	if (Array.isArray(wrapped?.items)) return wrapped.items as IDataObject[];
	if (Array.isArray(wrapped?.invoices)) return wrapped.invoices as IDataObject[];
	return undefined;
}
