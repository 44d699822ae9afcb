/**
 * A workflow that has been posting for weeks, for the real-n8n restart test and the bench: its
 * invoices really in the sandbox ERP, and its static-data ledger as existing installations hold it
 * (the layout written before the durable window: every record, keys unescaped).
 */
import type { IDataObject } from 'n8n-workflow';

import { type DeliveredInvoice, inParallel, invoice } from '../../e2e/demo/harness';
import { COMPACT_LAYOUT, encodeRecord } from '../../nodes/shared/ledger/staticData/compact';
import { STATIC_DATA_ROOT } from '../../nodes/shared/ledger/staticData/store';
import { ANY_FINGERPRINT } from '../../nodes/shared/ledger/types';
import type { Sandbox } from '../../sandbox';

export interface PostedInvoice {
	invoice: DeliveredInvoice;
	erpId: string;
	/** When the ledger last changed it (spread over the TTL, oldest first). */
	updatedAt: number;
}

/**
 * Posts `count` invoices straight to the sandbox's generic ERP, as the weeks of earlier runs did: with the
 * reference in `externalReference`, where the Post node puts it and its lookup reads it back.
 */
export async function seedGenericErp(sandbox: Sandbox, runId: string, count: number, { now = Date.now(), spanMs = 29 * 86_400_000, concurrency = 16 } = {}): Promise<PostedInvoice[]> {
	const invoices = Array.from({ length: count }, (_, index) => invoice(runId, index + 1));
	const url = `${sandbox.urls.generic.replace(/\/+$/, '')}/invoices`;
	return await inParallel(invoices, concurrency, async (body, index) => {
		const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...body, externalReference: body.reference }) });
		const answer = (await response.json()) as { id?: unknown };
		if (response.status >= 300 || answer.id === undefined) throw new Error(`seeding the ERP: HTTP ${response.status} for ${body.reference}`);
		return { invoice: body, erpId: String(answer.id), updatedAt: Math.round(now - spanMs + ((index + 1) / count) * spanMs) };
	});
}

/**
 * The workflow's `staticData` (as `n8n import:workflow` takes it) with every posted invoice in ledger
 * `ledger`, each answered the way the e2e fixtures' Mark Posted answers ({status, invoiceId, reference}).
 * Fingerprint `*`: records marked from the ERP's side match any payload.
 */
export function legacyLedgerStaticData(posted: PostedInvoice[], ledger = 'invoices'): IDataObject {
	const records: Record<string, unknown> = {};
	for (const [index, entry] of posted.entries()) {
		records[entry.invoice.idempotencyKey] = encodeRecord({
			key: entry.invoice.idempotencyKey,
			fingerprint: ANY_FINGERPRINT,
			state: 'POSTED',
			reference: entry.invoice.reference,
			erpId: entry.erpId,
			attempts: 1,
			correlationId: `seeded-${index}`,
			firstSeenAt: entry.updatedAt - 120,
			updatedAt: entry.updatedAt,
			latencyMs: 100,
			response: { status: 'success', invoiceId: entry.erpId, reference: entry.invoice.reference },
			version: 2,
		});
	}
	return { global: { [STATIC_DATA_ROOT]: { [ledger]: { v: COMPACT_LAYOUT, p: 'before-the-upgrade', r: records } } } };
}

/** `count` entries spread evenly over `posted`, first and last included: a sample over the whole TTL. */
export function spreadSample<T>(posted: T[], count: number): T[] {
	if (posted.length <= count) return [...posted];
	return Array.from({ length: count }, (_, n) => posted[Math.round((n * (posted.length - 1)) / (count - 1))]);
}
