import get from 'lodash/get';
import type { IDataObject } from 'n8n-workflow';

import {
	classifyRedirect,
	classifyTransportFailure,
	isTransientFailure,
	mapWithConcurrency,
	retryAfterMs,
	serverTroubleOutcome,
	statusText,
	unsafePathReference,
} from '../transport';
import { ErpLookupError } from '../types';
import type { ErpAdapter, ErpContext, FoundInvoice, HttpMethod, HttpResult, PostAttempt, PostResult } from '../types';
import { genericInvoiceBody } from './body';
import { GENERIC_DEFAULTS } from './settings.description';

export interface GenericSettings {
	createPath: string;
	createMethod: HttpMethod;
	lookupPath: string;
	existsStatuses: number[];
	lookupNotFoundStatuses: number[];
	idPath: string;
	lookupItemsPath: string;
	referenceField: string;
	bodyTemplate: unknown;
	nativeUniqueness: boolean;
}

function text(value: unknown, fallback: string): string {
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

function statusList(value: unknown, fallback: string): number[] {
	return text(value, fallback)
		.split(/[\s,]+/)
		.map(Number)
		.filter((status) => Number.isInteger(status) && status >= 100 && status <= 599);
}

/** The node passes its collection as is: absent keys take the defaults here. */
export function resolveGenericSettings(settings: IDataObject): GenericSettings {
	const lookupPath = text(settings.lookupPath, GENERIC_DEFAULTS.lookupPath);
	// {reference} in the path names a resource, whose absence is a 404; in the query a 404 means a wrong route.
	const referenceInPath = lookupPath.split('?')[0].includes('{reference}');
	return {
		createPath: text(settings.createPath, GENERIC_DEFAULTS.createPath),
		createMethod: settings.createMethod === 'PUT' ? 'PUT' : 'POST',
		lookupPath,
		existsStatuses: statusList(settings.existsStatuses, GENERIC_DEFAULTS.existsStatuses),
		lookupNotFoundStatuses: statusList(settings.lookupNotFoundStatuses, referenceInPath ? '404' : ''),
		idPath: text(settings.idPath, GENERIC_DEFAULTS.idPath),
		lookupItemsPath: text(settings.lookupItemsPath, ''),
		referenceField: text(settings.referenceField, GENERIC_DEFAULTS.referenceField),
		bodyTemplate: settings.bodyTemplate,
		nativeUniqueness: settings.nativeUniqueness === true,
	};
}

/** Whether `{reference}` sits in the URL path of `path` (not in its query). */
function referenceInPath(path: string): boolean {
	return path.split('?')[0].includes('{reference}');
}

/** Why this reference cannot be put in the create or lookup URL, or undefined when it can. */
function unusableReference(settings: GenericSettings, reference: string): string | undefined {
	const inPath = [settings.createPath, settings.lookupPath].some(referenceInPath);
	const problem = inPath ? unsafePathReference(reference) : undefined;
	return problem ? `The reference "${reference.slice(0, 80)}" cannot go into the URL path: ${problem}` : undefined;
}

function urlFor(ctx: ErpContext, path: string, reference: string): string {
	const base = text(ctx.credentials.baseUrl, '').replace(/\/+$/, '');
	const filled = path.split('{reference}').join(encodeURIComponent(reference));
	return `${base}/${filled.replace(/^\/+/, '')}`;
}

/** A readable error text from common REST error shapes, or the start of a text body. */
export function genericErrorText(body: unknown): string | undefined {
	if (typeof body === 'string') return body.trim().slice(0, 300) || undefined;
	if (!body || typeof body !== 'object') return undefined;
	for (const path of ['message', 'error.message', 'error_description', 'detail', 'title', 'errors[0].message', 'error']) {
		const value = get(body, path);
		if (typeof value === 'string' && value !== '') return value;
	}
	return undefined;
}

function firstText(...values: unknown[]): string | undefined {
	return values.find((value): value is string => typeof value === 'string' && value !== '');
}

function idAt(body: unknown, idPath: string): string | undefined {
	const id = body && typeof body === 'object' ? get(body, idPath) : undefined;
	return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/** The outcome table (2xx created, 429/503/408 retryable, other 4xx permanent, 5xx ambiguous) with the user's "exists" statuses and id path. */
export function classifyGeneric(result: HttpResult, settings: GenericSettings): PostResult {
	if (result.kind === 'failure') return classifyTransportFailure(result);
	const redirect = classifyRedirect(result, 'The ERP');
	if (redirect) return redirect;
	const { status, body } = result;
	const erpText = genericErrorText(body);
	const withText = (prefix: string) => (erpText ? `${prefix}: ${erpText}` : prefix);
	if (settings.existsStatuses.includes(status)) {
		return { outcome: 'exists', erpId: idAt(body, settings.idPath), httpStatus: status, message: withText(`The ERP reports the invoice exists (HTTP ${status})`) };
	}
	if (status >= 200 && status < 300) {
		const erpId = idAt(body, settings.idPath);
		if (erpId === undefined) {
			// Committed but unnamed: a lookup by reference finds the id.
			return { outcome: 'ambiguous', httpStatus: status, message: `The ERP answered HTTP ${status} without an id at "${settings.idPath}"` };
		}
		return { outcome: 'created', erpId, httpStatus: status, response: { id: erpId, status } };
	}
	if (status === 429) {
		return { outcome: 'retryable', httpStatus: status, retryAfterMs: retryAfterMs(result.headers), message: withText('The ERP throttled the request (HTTP 429)') };
	}
	if (status === 503 || status === 408) {
		// Only the ERP's own JSON error proves the request was refused; a proxy's bare 503/408 may follow a forward.
		const erpRefusedInBody = !!body && typeof body === 'object' && genericErrorText(body) !== undefined;
		const outcome = serverTroubleOutcome(status, { erpRefusedInBody, nativeUniqueness: settings.nativeUniqueness });
		return outcome === 'retryable'
			? { outcome, httpStatus: status, message: withText(`The ERP is unavailable (HTTP ${status})`) }
			: { outcome, httpStatus: status, message: withText(`The ERP or a gateway answered HTTP ${status} without the ERP's own error; the invoice may have been created`) };
	}
	if (status === 401 || status === 403) return { outcome: 'permanent', httpStatus: status, message: withText(`The ERP rejected the credentials (HTTP ${status})`) };
	if (status >= 400 && status < 500) return { outcome: 'permanent', httpStatus: status, message: withText(`The ERP refused the invoice (HTTP ${status})`) };
	return { outcome: 'ambiguous', httpStatus: status, message: withText(`The ERP answered HTTP ${status}; the invoice may have been created`) };
}

async function create(ctx: ErpContext, attempt: PostAttempt): Promise<PostResult> {
	const settings = resolveGenericSettings(ctx.settings);
	// Refused before anything is sent: such a reference could not be looked up safely either.
	const unusable = unusableReference(settings, attempt.reference);
	if (unusable) return { outcome: 'permanent', message: unusable };
	const built = genericInvoiceBody(attempt, settings.referenceField, settings.bodyTemplate);
	if ('problem' in built) return { outcome: 'permanent', message: built.problem };
	const headers: Record<string, string> = {};
	if (attempt.idempotencyHeader?.name) headers[attempt.idempotencyHeader.name] = attempt.idempotencyHeader.value;
	const result = await ctx.transport.send({
		method: settings.createMethod,
		url: urlFor(ctx, settings.createPath, attempt.reference),
		headers,
		body: built.body,
		timeoutMs: ctx.requestTimeoutMs,
	});
	return classifyGeneric(result, settings);
}

function lookupItems(body: unknown, settings: GenericSettings): unknown[] {
	if (settings.lookupItemsPath) {
		const listed = body && typeof body === 'object' ? get(body, settings.lookupItemsPath) : undefined;
		if (Array.isArray(listed)) return listed;
		throw new ErpLookupError(`The ERP's lookup answer has no list at "${settings.lookupItemsPath}"`, false);
	}
	if (body === undefined) return [];
	if (Array.isArray(body)) return body;
	if (body && typeof body === 'object') {
		const items = (body as IDataObject).items;
		return Array.isArray(items) ? items : [body];
	}
	throw new ErpLookupError('The ERP answered the lookup with something other than JSON', false);
}

async function findOne(ctx: ErpContext, settings: GenericSettings, reference: string): Promise<FoundInvoice[]> {
	const result = await ctx.transport.send({
		method: 'GET',
		url: urlFor(ctx, settings.lookupPath, reference),
		timeoutMs: ctx.requestTimeoutMs,
	});
	if (result.kind === 'response' && settings.lookupNotFoundStatuses.includes(result.status)) return [];
	if (result.kind === 'failure' || result.status < 200 || result.status >= 300) {
		const reason = result.kind === 'failure' ? result.message : `${statusText(result)}${genericErrorText(result.body) ? `: ${genericErrorText(result.body)}` : ''}`;
		throw new ErpLookupError(`The ERP could not answer the lookup of reference ${reference} (${reason})`, isTransientFailure(result));
	}
	const found: FoundInvoice[] = [];
	for (const item of lookupItems(result.body, settings)) {
		if (!item || typeof item !== 'object') continue;
		// Only an item that carries this reference is this invoice: an answer without the field (the API's
		// root, a list, another resource reached through the path) is never "found".
		if (get(item, settings.referenceField) !== reference) continue;
		const erpId = idAt(item, settings.idPath);
		if (erpId === undefined) {
			throw new ErpLookupError(`The ERP found reference ${reference} but its answer has no id at "${settings.idPath}"`, false);
		}
		const invoice = item as IDataObject;
		found.push({
			reference,
			erpId,
			invoiceNumber: typeof invoice.invoiceNumber === 'string' ? invoice.invoiceNumber : undefined,
			invoiceDate: typeof invoice.invoiceDate === 'string' ? invoice.invoiceDate : undefined,
			amount: typeof invoice.amount === 'number' ? invoice.amount : undefined,
			currency: typeof invoice.currency === 'string' ? invoice.currency : undefined,
			party: firstText(invoice.customerId, invoice.vendorAccount, invoice.contactUrl),
		});
	}
	return found;
}

async function findByReferences(ctx: ErpContext, references: string[]): Promise<Map<string, FoundInvoice[]>> {
	const settings = resolveGenericSettings(ctx.settings);
	const unique = [...new Set(references)];
	// A reference that cannot go into the URL is never sent nor posted (create refuses it): nothing to find.
	const found = await mapWithConcurrency(unique, GENERIC_DEFAULTS.lookupConcurrency, async (reference) =>
		unusableReference(settings, reference) ? [] : await findOne(ctx, settings, reference),
	);
	return new Map(unique.map((reference, index) => [reference, found[index]]));
}

export const genericRestAdapter: ErpAdapter = {
	erp: 'genericRest',
	credentialType: 'genericErpApi',
	capabilities(ctx) {
		return {
			// Only what the user says their ERP enforces (setting, default off).
			nativeUniqueness: resolveGenericSettings(ctx.settings).nativeUniqueness,
			// Common gateway and proxy read timeouts are 60 s (nginx proxy_read_timeout, AWS ALB idle
			// timeout): the ERP behind may still commit until then.
			settleMs: 60_000,
			lookupChunkSize: GENERIC_DEFAULTS.lookupChunkSize,
		};
	},
	create,
	findByReferences: async (ctx, references) => await findByReferences(ctx, references),
	partyOf: (_ctx, invoice) => invoice.customerId ?? invoice.vendorAccount ?? invoice.contactUrl,
	referenceProblem: (ctx, reference) => unusableReference(resolveGenericSettings(ctx.settings), reference),
	// The interface gives classify no settings: it applies the defaults; create uses the node's own.
	classify: (result) => classifyGeneric(result, resolveGenericSettings({})),
};
