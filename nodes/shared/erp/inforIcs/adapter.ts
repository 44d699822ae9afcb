import { createHash } from 'crypto';
import type { IDataObject } from 'n8n-workflow';

import { headerToken, isTransientFailure, mapWithConcurrency, statusText } from '../transport';
import { ErpLookupError } from '../types';
import type {
	ErpAdapter,
	ErpCapabilities,
	ErpContext,
	FoundInvoice,
	HttpResult,
	PostAttempt,
	PostResult,
} from '../types';
import { inforInvoiceBody } from './body';
import { classifyInforCreate, classifyInforFailure, inforErrorText, smallInvoice } from './classify';
import { joinUrl, parseIonApiFile, tenantUrl } from './ionapi';
import { INFOR_DEFAULTS } from './settings.description';

interface InforSettings {
	basePath: string;
	maxBatchSize: number;
	lookupConcurrency: number;
	pageSize: number;
}

/** The node passes its collection as is: absent keys take the defaults here. */
export function resolveInforSettings(settings: IDataObject): InforSettings {
	const positive = (value: unknown, fallback: number) =>
		typeof value === 'number' && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
	const basePath = typeof settings.basePath === 'string' && settings.basePath.trim() !== '' ? settings.basePath.trim() : INFOR_DEFAULTS.basePath;
	return {
		basePath,
		maxBatchSize: positive(settings.maxBatchSize, INFOR_DEFAULTS.maxBatchSize),
		lookupConcurrency: positive(settings.lookupConcurrency, INFOR_DEFAULTS.lookupConcurrency),
		pageSize: positive(settings.pageSize, INFOR_DEFAULTS.pageSize),
	};
}

/** `{iu}/{ti}{basePath}/{path}` from the pasted .ionapi file, or why the file is unusable. */
function apiUrl(ctx: ErpContext, path: string): { url: string } | { problem: string } {
	try {
		const file = parseIonApiFile(ctx.credentials.ionapiFile);
		return { url: joinUrl(joinUrl(tenantUrl(file), resolveInforSettings(ctx.settings).basePath), path) };
	} catch (error) {
		return { problem: error instanceof Error ? error.message : 'The Infor credential is unusable' };
	}
}

function correlationIdOfBatch(attempts: PostAttempt[]): string {
	// Derived from the keys, so a re-sent batch carries the same id in Infor's logs.
	const digest = createHash('sha256').update(attempts.map((attempt) => attempt.key).join('\n')).digest('hex');
	return `batch-${digest.slice(0, 24)}`;
}

function createHeaders(correlationId: string, idempotencyHeader?: PostAttempt['idempotencyHeader']): Record<string, string> {
	// Encoded like the Idempotency-Key header: a non-ASCII or CR/LF key must neither fail the send nor inject.
	const headers: Record<string, string> = { 'X-Correlation-ID': headerToken(correlationId) };
	if (idempotencyHeader?.name) headers[idempotencyHeader.name] = idempotencyHeader.value;
	return headers;
}

async function create(ctx: ErpContext, attempt: PostAttempt): Promise<PostResult> {
	const target = apiUrl(ctx, 'invoices');
	if ('problem' in target) return { outcome: 'permanent', message: target.problem };
	const built = inforInvoiceBody(attempt.invoice, attempt.reference);
	if ('problem' in built) return { outcome: 'permanent', message: built.problem };
	const result = await ctx.transport.send({
		method: 'POST',
		url: target.url,
		headers: createHeaders(attempt.key, attempt.idempotencyHeader),
		body: built.body,
		timeoutMs: ctx.requestTimeoutMs,
	});
	return classifyInforCreate(result);
}

/**
 * The batch answer per invoice: the listed results are trusted (CREATED → created, ERROR →
 * permanent with Infor's text), also inside a 500's partial body; every invoice the answer does
 * not account for is ambiguous — it may have been committed before the failure.
 */
export function classifyInforBatch(result: HttpResult, attempts: PostAttempt[]): PostResult[] {
	if (result.kind === 'failure' || result.status < 200 || (result.status >= 300 && result.status !== 500)) {
		const whole = classifyInforCreate(result);
		return attempts.map(() => ({ ...whole }));
	}
	const body = (result.body && typeof result.body === 'object' ? result.body : {}) as IDataObject;
	const listed = Array.isArray(body.results) ? (body.results as IDataObject[]) : undefined;
	if (result.status === 500 && !listed) return attempts.map(() => classifyInforFailure(result));

	const byIndex = new Map<number, IDataObject>();
	for (const [position, entry] of (listed ?? []).entries()) {
		if (!entry || typeof entry !== 'object') continue;
		const index = typeof entry.index === 'number' ? entry.index : indexOfReference(attempts, entry.externalReference) ?? position;
		byIndex.set(index, entry);
	}
	const failureText = inforErrorText(body);
	const unaccounted =
		result.status === 500
			? `Infor's batch failed before confirming this invoice (HTTP 500${failureText ? `: ${failureText}` : ''}); it may have been created`
			: `Infor's batch answer (HTTP ${result.status}) does not list this invoice; it may have been created`;

	return attempts.map((attempt, index) => {
		const entry = byIndex.get(index);
		if (!entry || (entry.externalReference !== undefined && entry.externalReference !== attempt.reference)) {
			return { outcome: 'ambiguous', httpStatus: result.status, message: unaccounted };
		}
		if (entry.status === 'CREATED' && entry.id !== undefined && entry.id !== null && entry.id !== '') {
			return { outcome: 'created', erpId: String(entry.id), httpStatus: result.status, response: smallInvoice(entry) };
		}
		if (entry.status === 'ERROR') {
			const text = typeof entry.error === 'string' ? entry.error : inforErrorText(entry);
			return {
				outcome: 'permanent',
				httpStatus: result.status,
				message: `Infor rejected the invoice in the batch${text ? `: ${text}` : ''}`,
				response: smallInvoice(entry),
			};
		}
		return { outcome: 'ambiguous', httpStatus: result.status, message: `Infor's batch result for this invoice has status ${String(entry.status)}` };
	});
}

function indexOfReference(attempts: PostAttempt[], reference: unknown): number | undefined {
	if (typeof reference !== 'string') return undefined;
	const index = attempts.findIndex((attempt) => attempt.reference === reference);
	return index >= 0 ? index : undefined;
}

async function createBatch(ctx: ErpContext, attempts: PostAttempt[]): Promise<PostResult[]> {
	if (attempts.length === 0) return [];
	const target = apiUrl(ctx, 'invoices/batch');
	if ('problem' in target) return attempts.map(() => ({ outcome: 'permanent', message: target.problem }));
	const { maxBatchSize } = resolveInforSettings(ctx.settings);
	const results = new Array<PostResult>(attempts.length);
	// A refused item stays out of the batch; the others are posted.
	const sendable: Array<{ index: number; attempt: PostAttempt; body: IDataObject }> = [];
	attempts.forEach((attempt, index) => {
		const built = inforInvoiceBody(attempt.invoice, attempt.reference);
		if ('problem' in built) results[index] = { outcome: 'permanent', message: built.problem };
		else sendable.push({ index, attempt, body: built.body });
	});
	// The engine chunks to maxBatchSize; splitting here too keeps a larger call within Infor's limit.
	for (let start = 0; start < sendable.length; start += maxBatchSize) {
		const chunk = sendable.slice(start, start + maxBatchSize);
		const chunkAttempts = chunk.map((entry) => entry.attempt);
		const batchId = correlationIdOfBatch(chunkAttempts);
		const idempotencyHeader = chunkAttempts[0].idempotencyHeader && { name: chunkAttempts[0].idempotencyHeader.name, value: batchId };
		const result = await ctx.transport.send({
			method: 'POST',
			url: target.url,
			headers: createHeaders(batchId, idempotencyHeader),
			body: { invoices: chunk.map((entry) => entry.body) },
			timeoutMs: ctx.requestTimeoutMs,
		});
		classifyInforBatch(result, chunkAttempts).forEach((outcome, position) => (results[chunk[position].index] = outcome));
	}
	return results;
}

function toFound(item: IDataObject): FoundInvoice {
	return {
		reference: typeof item.externalReference === 'string' ? item.externalReference : '',
		erpId: String(item.id),
		invoiceNumber: typeof item.invoiceNumber === 'string' ? item.invoiceNumber : undefined,
		invoiceDate: typeof item.invoiceDate === 'string' ? item.invoiceDate : undefined,
		amount: typeof item.amount === 'number' ? item.amount : undefined,
		currency: typeof item.currency === 'string' ? item.currency : undefined,
		party: typeof item.customerId === 'string' || typeof item.customerId === 'number' ? String(item.customerId) : undefined,
	};
}

/** The `items` of a 200 list answer, or an ErpLookupError saying why there is no answer. */
function listedItems(result: HttpResult, what: string): IDataObject[] {
	if (result.kind === 'response' && result.status === 200) {
		const items = (result.body as IDataObject | undefined)?.items;
		if (Array.isArray(items)) return items.filter((item): item is IDataObject => !!item && typeof item === 'object');
		throw new ErpLookupError(`Infor's answer to ${what} has no items list`, false);
	}
	const reason =
		result.kind === 'failure' ? result.message : `${statusText(result)}${inforErrorText(result.body) ? `: ${inforErrorText(result.body)}` : ''}`;
	throw new ErpLookupError(`Infor could not answer ${what} (${reason})`, isTransientFailure(result));
}

function lookupUrl(ctx: ErpContext): string {
	const target = apiUrl(ctx, 'invoices');
	if ('problem' in target) throw new ErpLookupError(target.problem, false);
	return target.url;
}

/**
 * One `GET /invoices?externalRef=` per reference, a few at a time. Exact per-reference lookups
 * stay correct whatever dates the ERP holds; a date-range listing could miss a record posted with
 * another date.
 */
async function findByReferences(ctx: ErpContext, references: string[]): Promise<Map<string, FoundInvoice[]>> {
	const url = lookupUrl(ctx);
	const unique = [...new Set(references)];
	const found = await mapWithConcurrency(unique, resolveInforSettings(ctx.settings).lookupConcurrency, async (reference) => {
		const result = await ctx.transport.send({
			method: 'GET',
			url,
			qs: { externalRef: reference },
			timeoutMs: ctx.requestTimeoutMs,
		});
		// Exact match only: a gateway doing prefix or case-insensitive matching must not merge references.
		return listedItems(result, `the lookup of reference ${reference}`)
			.filter((item) => item.externalReference === reference && item.id !== undefined && item.id !== null)
			.map(toFound);
	});
	return new Map(unique.map((reference, index) => [reference, found[index]]));
}

async function listRange(ctx: ErpContext, range: { from: string; to: string }): Promise<FoundInvoice[]> {
	const url = lookupUrl(ctx);
	const { pageSize } = resolveInforSettings(ctx.settings);
	const invoices: FoundInvoice[] = [];
	for (let page = 1; ; page++) {
		const result = await ctx.transport.send({
			method: 'GET',
			url,
			qs: { invoiceDateFrom: range.from, invoiceDateTo: range.to, page, pageSize },
			timeoutMs: ctx.requestTimeoutMs,
		});
		const items = listedItems(result, `the invoice list ${range.from}…${range.to} (page ${page})`);
		invoices.push(...items.filter((item) => item.id !== undefined && item.id !== null).map(toFound));
		const total = (result as { body?: IDataObject }).body?.totalItems;
		const lastPage = typeof total === 'number' ? page * pageSize >= total : items.length < pageSize;
		if (lastPage || items.length === 0) return invoices;
	}
}

export const inforIcsAdapter: ErpAdapter = {
	erp: 'inforIcs',
	credentialType: 'inforIonApi',
	capabilities(ctx: ErpContext): ErpCapabilities {
		return {
			// AR REST v1 creates a second invoice for a repeated externalReference (seed 000 users report exactly that).
			nativeUniqueness: false,
			// ION API Gateway's target timeout is 60 s by default (docs.infor.com, ION API "Target
			// endpoint timeout"; extendable to 5 min by policy): the AR API may still commit until the
			// gateway gives up, and a batch commits invoice by invoice. 60 s plus a margin for that commit.
			settleMs: 90_000,
			maxBatchSize: resolveInforSettings(ctx.settings).maxBatchSize,
			lookupChunkSize: INFOR_DEFAULTS.lookupChunkSize,
		};
	},
	create,
	createBatch,
	findByReferences: async (ctx, references) => await findByReferences(ctx, references),
	listRange,
	partyOf: (_ctx, invoice) => invoice.customerId,
	classify: classifyInforCreate,
};
