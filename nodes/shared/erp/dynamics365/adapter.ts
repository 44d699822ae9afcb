import { randomUUID } from 'crypto';
import chunk from 'lodash/chunk';
import groupBy from 'lodash/groupBy';
import uniq from 'lodash/uniq';
import type { IDataObject } from 'n8n-workflow';
import {
	ErpLookupError,
	type ErpAdapter,
	type ErpContext,
	type FoundInvoice,
	type HttpRequest,
	type HttpResult,
	type PostAttempt,
	type PostResult,
} from '../types';
import { classifyRedirect, isTransientFailure, statusText } from '../transport';
import { buildBatchBody, multipartBoundary, parseBatchResponse, type BatchRequestPart } from './batch';
import { dataverseRecord, vendorAccountOf } from './body';
import { classifyDataverse } from './classify';
import { alternateKeySegment, anyOfFilter, entityKeyFromUrl, odataError, odataQuery } from './odata';
import {
	DATAVERSE_DEFAULTS,
	dataverseApiBase,
	resolveDataverseSettings,
	uniquenessSettings,
	type DataverseSettings,
} from './settings';

/** Dataverse accepts up to 1000 requests in one `$batch`. */
const MAX_BATCH_SIZE = 1000;
/** Conditions per `$filter` (seed 001's advice; keeps URLs far below Dataverse's length limit). */
const LOOKUP_CHUNK_SIZE = 20;

const ODATA_HEADERS = { Accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0' };

interface Resolved {
	settings: DataverseSettings;
	api: string;
}

/** Settings and API base, or the reason they are unusable (a configuration error: permanent). */
function resolve(ctx: ErpContext): Resolved | { problem: string } {
	try {
		const settings = resolveDataverseSettings(ctx.settings);
		return { settings, api: dataverseApiBase(ctx.credentials, settings) };
	} catch (error) {
		return { problem: error instanceof Error ? error.message : String(error) };
	}
}

/** Where and how one invoice is written: a conditional upsert on the alternate key, or a plain POST. */
function writeRequest({ settings, api }: Resolved, attempt: PostAttempt): BatchRequestPart | { problem: string } {
	const headers: Record<string, string> = {
		'Content-Type': 'application/json; charset=utf-8',
		Prefer: 'return=representation',
	};
	// Without this header Dataverse skips duplicate-detection rules on Web API creates.
	if (settings.duplicateDetection) headers['MSCRM.SuppressDuplicateDetection'] = 'false';
	const record = dataverseRecord(attempt.invoice, attempt.reference, settings);
	if ('problem' in record) return record;
	const body = record.body;
	if (!settings.useAlternateKey) {
		return { method: 'POST', url: `${api}/${settings.entitySet}`, headers, body };
	}
	// `If-None-Match: *` turns the upsert into "create only if absent": an existing invoice answers 412.
	return { method: 'PATCH', url: alternateKeyUrl({ settings, api }, attempt), headers: { ...headers, 'If-None-Match': '*' }, body };
}

function alternateKeyUrl({ settings, api }: Resolved, attempt: PostAttempt): string {
	return (
		`${api}/${settings.entitySet}` +
		alternateKeySegment([
			[settings.vendorAccountField, vendorAccountOf(attempt.invoice)],
			[settings.invoiceNumberField, attempt.invoice.invoiceNumber],
		])
	);
}

/** After a 412 on the alternate key, read the existing record's id so the ledger can hold it. */
async function existingIdByKey(ctx: ErpContext, resolved: Resolved, attempt: PostAttempt): Promise<string | undefined> {
	const answer = await ctx.transport.send({
		method: 'GET',
		url: `${alternateKeyUrl(resolved, attempt)}?${odataQuery({ $select: resolved.settings.idField })}`,
		headers: ODATA_HEADERS,
		timeoutMs: ctx.requestTimeoutMs,
	});
	if (answer.kind !== 'response' || answer.status !== 200) return undefined;
	const record = answer.body as IDataObject | undefined;
	const id = record?.[resolved.settings.idField];
	return typeof id === 'string' && id !== '' ? id : entityKeyFromUrl(record?.['@odata.id']);
}

/** A whole `$batch` call that produced no per-part answers speaks for every invoice in it. */
function wholeBatchResult(result: HttpResult, settings: DataverseSettings): PostResult {
	if (result.kind === 'failure') return classifyDataverse(result, settings);
	const redirect = classifyRedirect(result, 'Dataverse');
	if (redirect) return redirect;
	const { code, message } = odataError(result.body);
	const text = [code, message].filter(Boolean).join(': ') || `HTTP ${result.status}`;
	if (result.status === 429 || result.status >= 500) {
		// 429 → retryable with Retry-After; 5xx → ambiguous: the same rules as a single create.
		return classifyDataverse({ ...result, body: { error: { message: `$batch: ${text}` } } }, settings);
	}
	if (result.status >= 200 && result.status < 300) {
		return { outcome: 'ambiguous', httpStatus: result.status, message: '$batch answer could not be read as multipart' };
	}
	return { outcome: 'permanent', httpStatus: result.status, message: `$batch refused: ${text}` };
}

async function readAllPages(ctx: ErpContext, firstUrl: string, what: string): Promise<IDataObject[]> {
	const origin = new URL(firstUrl).origin;
	const records: IDataObject[] = [];
	let url: string | undefined = firstUrl;
	while (url) {
		// The bearer token goes with every request: never follow a next link to another host.
		if (new URL(url).origin !== origin) throw new ErpLookupError(`Dataverse ${what}: next page on another host`, false);
		const answer = await ctx.transport.send({
			method: 'GET',
			url,
			headers: ODATA_HEADERS,
			timeoutMs: ctx.requestTimeoutMs,
		});
		if (answer.kind === 'failure') {
			throw new ErpLookupError(`Dataverse ${what} failed (${answer.code}): ${answer.message}`, isTransientFailure(answer));
		}
		if (answer.status !== 200) {
			const { code, message } = odataError(answer.body);
			throw new ErpLookupError(
				`Dataverse ${what} answered ${[statusText(answer), code, message].filter(Boolean).join(': ')}`,
				answer.status === 429 || answer.status >= 500,
			);
		}
		const page = answer.body as { value?: unknown; '@odata.nextLink'?: unknown } | undefined;
		if (!Array.isArray(page?.value)) throw new ErpLookupError(`Dataverse ${what}: answer has no "value" list`, false);
		records.push(...(page.value as IDataObject[]));
		url = typeof page['@odata.nextLink'] === 'string' ? page['@odata.nextLink'] : undefined;
	}
	return records;
}

function selectedColumns(settings: DataverseSettings): string {
	return uniq(
		[
			settings.idField,
			settings.referenceField,
			settings.invoiceNumberField,
			settings.dateField,
			settings.amountField,
			settings.vendorAccountField,
			settings.currencyField,
		].filter((name) => name !== ''),
	).join(',');
}

function foundInvoice(record: IDataObject, settings: DataverseSettings): FoundInvoice {
	const id = record[settings.idField];
	const erpId = typeof id === 'string' && id !== '' ? id : entityKeyFromUrl(record['@odata.id']);
	if (!erpId) {
		throw new ErpLookupError(`Dataverse returned a record without "${settings.idField}": check the ID Field setting`, false);
	}
	const amount = record[settings.amountField];
	const invoiceDate = record[settings.dateField];
	const invoiceNumber = record[settings.invoiceNumberField];
	const vendor = record[settings.vendorAccountField];
	const currency = settings.currencyField ? record[settings.currencyField] : undefined;
	return {
		reference: String(record[settings.referenceField] ?? ''),
		erpId,
		invoiceNumber: typeof invoiceNumber === 'string' ? invoiceNumber : undefined,
		// Date columns may come back as date-times; the ledger compares calendar days.
		invoiceDate: typeof invoiceDate === 'string' ? invoiceDate.slice(0, 10) : undefined,
		amount: typeof amount === 'number' ? amount : typeof amount === 'string' && amount !== '' ? Number(amount) : undefined,
		currency: typeof currency === 'string' && currency !== '' ? currency : undefined,
		party: typeof vendor === 'string' && vendor !== '' ? vendor : undefined,
	};
}

function lookupSettings(ctx: ErpContext): Resolved {
	const resolved = resolve(ctx);
	if ('problem' in resolved) throw new ErpLookupError(resolved.problem, false);
	return resolved;
}

export const dynamics365Adapter: ErpAdapter = {
	erp: 'dynamics365',
	credentialType: 'dynamics365Api',

	capabilities(ctx) {
		const settings = uniquenessSettings(ctx.settings);
		return {
			// Only an alternate key is enforced by Dataverse itself (PATCH + If-None-Match: * → 412).
			// Dataverse ships duplicate-detection rules for accounts, contacts and leads, not for a
			// vendor-invoice table, and a rule can match another record (learn.microsoft.com "Detect
			// duplicate data"): `duplicateDetection` makes a duplicate answer count, never skips the lookup.
			nativeUniqueness: settings.useAlternateKey,
			// Dataverse ends a request after 2 minutes while its transaction may still be committing
			// (learn.microsoft.com "Service protection API limits" / 2-minute execution timeout).
			settleMs: 120_000,
			maxBatchSize: MAX_BATCH_SIZE,
			lookupChunkSize: LOOKUP_CHUNK_SIZE,
		};
	},

	async create(ctx, attempt) {
		const resolved = resolve(ctx);
		if ('problem' in resolved) return { outcome: 'permanent', message: resolved.problem };
		const write = writeRequest(resolved, attempt);
		if ('problem' in write) return { outcome: 'permanent', message: write.problem };
		const headers: Record<string, string> = { ...ODATA_HEADERS, ...write.headers };
		if (attempt.idempotencyHeader) headers[attempt.idempotencyHeader.name] = attempt.idempotencyHeader.value;
		const request: HttpRequest = { method: write.method, url: write.url, headers, body: write.body, timeoutMs: ctx.requestTimeoutMs };
		const result = classifyDataverse(await ctx.transport.send(request), resolved.settings);
		if (result.outcome === 'exists' && resolved.settings.useAlternateKey && !result.erpId) {
			const erpId = await existingIdByKey(ctx, resolved, attempt);
			if (erpId) return { ...result, erpId, response: { ...result.response, id: erpId } };
		}
		return result;
	},

	async createBatch(ctx, attempts) {
		const resolved = resolve(ctx);
		if ('problem' in resolved) return attempts.map(() => ({ outcome: 'permanent', message: resolved.problem }));
		const { settings, api } = resolved;
		const results = new Array<PostResult>(attempts.length);
		// A refused item stays out of the batch; the others are posted.
		const parts: Array<{ index: number; part: BatchRequestPart }> = [];
		attempts.forEach((attempt, index) => {
			const write = writeRequest(resolved, attempt);
			if ('problem' in write) results[index] = { outcome: 'permanent', message: write.problem };
			else parts.push({ index, part: write });
		});
		if (parts.length === 0) return results;
		const boundary = `batch_${randomUUID()}`;
		const result = await ctx.transport.send({
			method: 'POST',
			url: `${api}/$batch`,
			headers: {
				...ODATA_HEADERS,
				'Content-Type': `multipart/mixed; boundary=${boundary}`,
				// Each part gets its own status: a duplicate does not stop the invoices after it.
				Prefer: 'odata.continue-on-error',
			},
			body: buildBatchBody(
				boundary,
				parts.map((entry) => entry.part),
			),
			timeoutMs: ctx.requestTimeoutMs,
		});
		const responseBoundary =
			result.kind === 'response' && typeof result.body === 'string' ? multipartBoundary(result.headers['content-type']) : undefined;
		if (result.kind === 'failure' || !responseBoundary) {
			const whole = wholeBatchResult(result, settings);
			for (const entry of parts) results[entry.index] = { ...whole };
			return results;
		}
		const answered = parseBatchResponse(result.body as string, responseBoundary);
		const byContentId = new Map(answered.filter((part) => part.contentId).map((part) => [part.contentId, part]));
		parts.forEach((entry, position) => {
			const part = byContentId.size > 0 ? byContentId.get(String(position + 1)) : answered[position];
			results[entry.index] = part
				? classifyDataverse(part.response, settings)
				: { outcome: 'ambiguous', httpStatus: result.status, message: 'The $batch answer does not account for this invoice' };
		});
		return results;
	},
	async findByReferences(ctx, references) {
		const { settings, api } = lookupSettings(ctx);
		const found = new Map<string, FoundInvoice[]>(references.map((reference) => [reference, []]));
		// Dataverse compares strings case-insensitively: a record stored as `inv-1` answers `INV-1`, and
		// reporting it absent would let the invoice be posted twice.
		const requestedByFolded = groupBy(uniq(references), (reference) => reference.toLowerCase());
		for (const group of chunk(uniq(references), LOOKUP_CHUNK_SIZE)) {
			const query = odataQuery({ $filter: anyOfFilter(settings.referenceField, group), $select: selectedColumns(settings) });
			for (const record of await readAllPages(ctx, `${api}/${settings.entitySet}?${query}`, 'lookup')) {
				const invoice = foundInvoice(record, settings);
				for (const reference of requestedByFolded[invoice.reference.toLowerCase()] ?? []) {
					const invoices = found.get(reference)!;
					if (!invoices.some((known) => known.erpId === invoice.erpId)) invoices.push({ ...invoice, reference });
				}
			}
		}
		return found;
	},

	async listRange(ctx, range) {
		const { settings, api } = lookupSettings(ctx);
		for (const day of [range.from, range.to]) {
			if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new ErpLookupError(`Date range needs YYYY-MM-DD, got "${day}"`, false);
		}
		const query = odataQuery({
			$filter: `${settings.dateField} ge ${range.from} and ${settings.dateField} le ${range.to}`,
			$select: selectedColumns(settings),
		});
		const records = await readAllPages(ctx, `${api}/${settings.entitySet}?${query}`, 'date-range listing');
		return records.map((record) => foundInvoice(record, settings));
	},

	partyOf(_ctx, invoice) {
		return vendorAccountOf(invoice) || undefined;
	},

	classify(result) {
		return classifyDataverse(result, DATAVERSE_DEFAULTS);
	},
};
