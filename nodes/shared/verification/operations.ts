import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';
import { DateTime } from 'luxon';

import type { CanonicalInvoice, ErpAdapter, ErpContext, FoundInvoice } from '../erp/types';
import { deriveReference, failItemOrThrow, idempotencyInfo, ItemInputError, newCorrelationId, validateKey } from '../items';
import { effectiveState, type Ledger } from '../ledger/ledger';
import { openLedger, readLedgerOptions } from '../ledger/open';
import { ANY_FINGERPRINT, type LedgerRecord } from '../ledger/types';
import { openErp } from '../posting/execute';
import { accountLimiter } from '../posting/limiter';
import { describeMismatches, mismatchesOf } from '../posting/match';

interface VerifyOptions {
	updateLedger?: boolean;
	lookbackDays?: number;
	dateFrom?: string;
	dateTo?: string;
	requestTimeoutMs?: number;
	concurrency?: number;
}

interface Erp {
	adapter: ErpAdapter;
	ctx: ErpContext;
	accountKey: string;
}

export async function executeVerification(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0, 'verify') as string;
	const options = this.getNodeParameter('options', 0, {}) as VerifyOptions;
	const erp = await openErp(this, options.requestTimeoutMs ?? 30000);
	const session = await openLedger(this, readLedgerOptions(this));
	try {
		if (operation === 'verify') return await verify(this, erp, session.ledger, options);
		if (operation === 'findDuplicates') return await findDuplicates(this, erp, options);
		if (operation === 'reconcile') return await reconcile(this, erp, session.ledger, options);
		throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`);
	} finally {
		await session.close();
	}
}

/** Every invoice the ERP holds per reference, looked up in the adapter's chunk size under the account limit. */
async function lookUp({ adapter, ctx, accountKey }: Erp, references: string[], lookbackDays: number, concurrency: number): Promise<Map<string, FoundInvoice[]>> {
	const limiter = accountLimiter(accountKey, Math.min(concurrency, adapter.capabilities(ctx).maxConcurrency ?? Infinity));
	const chunkSize = Math.max(1, adapter.capabilities(ctx).lookupChunkSize);
	const unique = [...new Set(references)];
	const found = new Map<string, FoundInvoice[]>();
	const chunks: string[][] = [];
	for (let start = 0; start < unique.length; start += chunkSize) chunks.push(unique.slice(start, start + chunkSize));
	await Promise.all(
		chunks.map(async (chunk) => {
			const answer = await limiter.run(async () => await adapter.findByReferences(ctx, chunk, { lookbackDays }));
			for (const reference of chunk) found.set(reference, answer.get(reference) ?? []);
		}),
	);
	return found;
}

/** Found / Not Found per item; a found invoice whose key is unsettled in the ledger becomes POSTED. */
async function verify(fns: IExecuteFunctions, erp: Erp, ledger: Ledger, options: VerifyOptions): Promise<INodeExecutionData[][]> {
	const items = fns.getInputData();
	const found: INodeExecutionData[] = [];
	const notFound: INodeExecutionData[] = [];
	const failed: INodeExecutionData[] = [];
	const wanted = items.map((item, itemIndex) => {
		try {
			const rawKey = fns.getNodeParameter('idempotencyKey', itemIndex, '') as unknown;
			const key = rawKey === undefined || rawKey === null || rawKey === '' ? undefined : validateKey(rawKey, itemIndex);
			const rawReference = fns.getNodeParameter('reference', itemIndex, '') as unknown;
			const reference = rawReference === undefined || rawReference === null || rawReference === '' ? (key ? deriveReference(key) : undefined) : String(rawReference).trim();
			if (!reference) {
				throw new ItemInputError(itemIndex, 'Reference', 'is empty and there is no Idempotency Key to derive it from', 'Set Reference to the field holding the reference the invoice was posted with, or set Idempotency Key');
			}
			// "Not Found" for a reference that was never looked up would be a silent wrong answer.
			const problem = erp.adapter.referenceProblem?.(erp.ctx, reference);
			if (problem) throw new ItemInputError(itemIndex, 'Reference', `cannot be looked up: ${problem}`, 'Such a reference was never posted by this package; check the field Reference is mapped to');
			return { itemIndex, key, reference };
		} catch (error) {
			failed.push(failItemOrThrow(fns, item, itemIndex, error as Error));
			return undefined;
		}
	});
	const references = wanted.flatMap((entry) => (entry ? [entry.reference] : []));
	const matches = await lookUp(erp, references, options.lookbackDays ?? 90, options.concurrency ?? 4);
	for (const entry of wanted) {
		if (!entry) continue;
		const item = items[entry.itemIndex];
		const invoices = matches.get(entry.reference) ?? [];
		// Only a record that is this invoice (as far as the item and the ERP both say) may settle its key.
		const invoice = item.json as unknown as CanonicalInvoice;
		const ourParty = erp.adapter.partyOf?.(erp.ctx, invoice);
		const ours = invoices.filter((found) => mismatchesOf(invoice, found, ourParty).length === 0);
		let record = entry.key ? await ledger.get(entry.key) : undefined;
		if (ours.length > 0 && entry.key && (options.updateLedger ?? true)) record = await settleFound(ledger, entry.key, entry.reference, ours[0].erpId, record);
		const erpView: IDataObject = { count: invoices.length, erpIds: invoices.map((invoice) => invoice.erpId) };
		const error =
			invoices.length > 0 && ours.length === 0
				? `the ERP holds ${invoices.length === 1 ? 'an invoice' : `${invoices.length} invoices`} with this reference that ${invoices.length === 1 ? 'is' : 'are'} not this one (${invoices.map((found) => `ERP id ${found.erpId}: ${describeMismatches(mismatchesOf(invoice, found, ourParty))}`).join('; ')}); the ledger was not updated`
				: invoices.length > 1
					? `the ERP holds ${invoices.length} invoices with this reference`
					: undefined;
		const info = idempotencyInfo(entry.key ?? '', record, invoices.length === 0 ? 'notFound' : ours.length > 0 ? 'found' : 'foundOther', {
			reference: entry.reference,
			...(record ? { state: effectiveState(record, ledger.now()) } : {}),
			...(error ? { error } : {}),
		});
		const out = { json: { ...item.json, erp: erpView, idempotency: info }, pairedItem: { item: entry.itemIndex } };
		(invoices.length > 0 ? found : notFound).push(out);
	}
	// Items whose input was unusable (continue on fail) leave by Not Found: they were not verified.
	return [found, [...notFound, ...failed]];
}

/** The ERP holds it: the ledger records it as POSTED unless it already says so. */
async function settleFound(ledger: Ledger, key: string, reference: string, erpId: string, record: LedgerRecord | undefined): Promise<LedgerRecord> {
	if (record?.state === 'POSTED') return record;
	const now = ledger.now();
	return await ledger.markPosted(key, {
		erpId,
		response: { erpId, foundByReference: true },
		seed: { key, fingerprint: ANY_FINGERPRINT, reference, attempts: 0, correlationId: newCorrelationId(), firstSeenAt: now, updatedAt: now },
	});
}

function dateRange(options: VerifyOptions): { from: string; to: string } {
	const today = DateTime.utc();
	const to = options.dateTo ? DateTime.fromISO(options.dateTo) : today;
	const from = options.dateFrom ? DateTime.fromISO(options.dateFrom) : to.minus({ days: options.lookbackDays ?? 90 });
	return { from: from.toISODate() ?? '', to: to.toISODate() ?? '' };
}

function requireListRange(fns: IExecuteFunctions, erp: Erp): NonNullable<ErpAdapter['listRange']> {
	if (!erp.adapter.listRange) {
		throw new NodeOperationError(fns.getNode(), `${erp.adapter.erp} cannot list invoices by date range, so this operation is not available for it`);
	}
	return erp.adapter.listRange.bind(erp.adapter);
}

function byReference(invoices: FoundInvoice[]): Map<string, FoundInvoice[]> {
	const grouped = new Map<string, FoundInvoice[]>();
	for (const invoice of invoices) grouped.set(invoice.reference, [...(grouped.get(invoice.reference) ?? []), invoice]);
	return grouped;
}

/** References the ERP holds more than once in the range: the history to clean up. */
async function findDuplicates(fns: IExecuteFunctions, erp: Erp, options: VerifyOptions): Promise<INodeExecutionData[][]> {
	const range = dateRange(options);
	const invoices = await requireListRange(fns, erp)(erp.ctx, range);
	const out: INodeExecutionData[] = [];
	for (const [reference, group] of byReference(invoices)) {
		if (group.length < 2) continue;
		out.push({
			json: { reference, count: group.length, erpIds: group.map((invoice) => invoice.erpId), invoices: group as unknown as IDataObject[], range },
			pairedItem: { item: 0 },
		});
	}
	return [out];
}

/**
 * The ledger against the ERP over the range: matched | missingInErp | duplicatedInErp | unknownToLedger.
 * The range is of invoice dates (what the ERP lists by); the ledger keeps no invoice date, so a record is
 * matched by its reference whenever it was posted, and one whose reference the range does not hold is
 * missing only when a lookup by reference finds it nowhere in the ERP (dated outside the range: not ours).
 */
async function reconcile(fns: IExecuteFunctions, erp: Erp, ledger: Ledger, options: VerifyOptions): Promise<INodeExecutionData[][]> {
	const range = dateRange(options);
	const erpInvoices = byReference(await requireListRange(fns, erp)(erp.ctx, range));
	// Only what may carry a date in the range can be missing from it: records seen since the range began.
	const fromMs = DateTime.fromISO(range.from, { zone: 'utc' }).toMillis();
	const records = (await ledger.list({})).filter((record) => record.state !== 'FAILED');
	const candidates = records.filter((record) => !erpInvoices.has(record.reference) && Math.max(record.firstSeenAt, record.updatedAt) >= fromMs);
	const elsewhere = await lookUp(erp, candidates.map((record) => record.reference), options.lookbackDays ?? 90, options.concurrency ?? 4);
	const out: INodeExecutionData[] = [];
	const seen = new Set<string>();
	for (const record of records) {
		const inRange = erpInvoices.get(record.reference);
		const held = inRange ?? elsewhere.get(record.reference);
		// Held by the ERP but dated outside the range, or not a candidate at all: not this range's business.
		if (held === undefined || (!inRange && held.length > 0)) continue;
		seen.add(record.reference);
		const status = held.length === 0 ? 'missingInErp' : held.length > 1 ? 'duplicatedInErp' : 'matched';
		out.push({
			json: {
				status,
				reference: record.reference,
				erpIds: held.map((invoice) => invoice.erpId),
				idempotency: idempotencyInfo(record.key, record, status, { state: effectiveState(record, ledger.now()) }),
			},
			pairedItem: { item: 0 },
		});
	}
	for (const [reference, held] of erpInvoices) {
		if (seen.has(reference)) continue;
		out.push({
			json: { status: held.length > 1 ? 'duplicatedInErp' : 'unknownToLedger', reference, erpIds: held.map((invoice) => invoice.erpId), inLedger: false },
			pairedItem: { item: 0 },
		});
	}
	return [out];
}
