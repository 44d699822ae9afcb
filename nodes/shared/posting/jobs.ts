import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { fingerprintOf } from '../ledger/fingerprint';
import { deriveReference, readKeyParameter, readReference, validateKey } from '../items';
import type { ErpCapabilities } from '../erp/types';
import type { PostingJob } from './engine';
import { InvoiceMapping, toCanonicalInvoice } from './invoice';

/** One invoice of the input: a plain item, or one invoice inside a Batch Splitter batch item. */
export interface InvoiceEntry {
	id: number;
	itemIndex: number;
	/** The JSON the output item starts from (the invoice, plus its batch fields when it came in a batch). */
	json: IDataObject;
	job?: PostingJob;
	/** Why the entry cannot be posted (bad key or bad invoice): it leaves by Failed with this. */
	error?: string;
	key?: string;
}

const BATCH_FIELDS = ['batchId', 'batchIndex', 'batchCount'] as const;
/** What our nodes add to an item around the invoice: never part of the invoice itself. */
const TRANSPORT_FIELDS = new Set<string>(['idempotency', ...BATCH_FIELDS, 'sequence']);

/**
 * Reads every invoice of the input. Batch items carry each invoice's key and reference in its
 * `idempotency` object (Batch Splitter evaluated them per invoice); plain items are evaluated
 * here, falling back to the `idempotency` object a Dedupe Check before us added.
 */
export function readInvoiceEntries(
	fns: IExecuteFunctions,
	items: INodeExecutionData[],
	requiredFields: ErpCapabilities['requiredFields'] = [],
	validate = true,
): InvoiceEntry[] {
	const entries: InvoiceEntry[] = [];
	const mapping = validate ? InvoiceMapping.read(fns) : InvoiceMapping.defaults;
	items.forEach((item, itemIndex) => {
		const invoices = item.json.invoices;
		if (Array.isArray(invoices) && item.json.batchId !== undefined) {
			const batchFields: IDataObject = {};
			for (const field of BATCH_FIELDS) if (item.json[field] !== undefined) batchFields[field] = item.json[field];
			invoices.forEach((invoice, position) => {
				const json = { ...(invoice as IDataObject), ...batchFields };
				entries.push(
					entryOf(entries.length, itemIndex, json, requiredFields, validate && { mapping, inBatch: true }, () => {
						const carried = (invoice as IDataObject).idempotency as IDataObject | undefined;
						const key = validateKey(carried?.key ?? (invoice as IDataObject).idempotencyKey, itemIndex);
						const reference = String(carried?.reference ?? '') || String((invoice as IDataObject).externalReference ?? '') || deriveReference(key);
						return { key, reference, adopt: undefined, where: `invoice ${position} of batch ${String(item.json.batchId)}` };
					}),
				);
			});
			return;
		}
		entries.push(
			entryOf(entries.length, itemIndex, item.json, requiredFields, validate && { mapping, inBatch: false }, () => {
				const carried = item.json.idempotency as IDataObject | undefined;
				// A Dedupe Check before us already holds the key when the parameter gives none.
				const fromParameter = readKeyParameter(fns, itemIndex);
				const useCarried = (fromParameter === '' || fromParameter === undefined || fromParameter === null) && typeof carried?.key === 'string';
				const key = validateKey(useCarried ? carried.key : fromParameter, itemIndex);
				const given = readReference(fns, itemIndex, key);
				const reference = given === deriveReference(key) && typeof carried?.reference === 'string' && carried.reference ? carried.reference : given;
				const adopt = carried?.key === key && typeof carried.correlationId === 'string' ? carried.correlationId : undefined;
				return { key, reference, adopt, where: undefined };
			}),
		);
	});
	return entries;
}

function entryOf(
	id: number,
	itemIndex: number,
	json: IDataObject,
	requiredFields: NonNullable<ErpCapabilities['requiredFields']>,
	/** How to read the invoice (false: not validated, the item is the invoice). */
	validate: false | { mapping: InvoiceMapping; inBatch: boolean },
	identify: () => { key: string; reference: string; adopt?: string; where?: string },
): InvoiceEntry {
	const entry: InvoiceEntry = { id, itemIndex, json };
	try {
		const { key, reference, adopt, where } = identify();
		entry.key = key;
		try {
			// fromEntries defines own properties, as the spread did: a `__proto__` field stays data.
			const invoiceJson: IDataObject = Object.fromEntries(Object.entries(json).filter(([field]) => !TRANSPORT_FIELDS.has(field)));
			const invoice = validate ? toCanonicalInvoice(invoiceJson, itemIndex, requiredFields, validate.mapping, validate.inBatch) : (invoiceJson as never);
			entry.job = {
				id,
				itemIndex,
				key,
				reference,
				// The invoice's content, not the item's transport fields: re-deliveries compare equal.
				fingerprint: fingerprintOf(invoice),
				invoice,
				...(adopt ? { adoptCorrelationId: adopt } : {}),
			};
		} catch (error) {
			entry.error = where ? `${(error as Error).message} (${where})` : (error as Error).message;
		}
	} catch (error) {
		entry.error = (error as Error).message;
	}
	return entry;
}
