import { randomUUID } from 'crypto';

import { newCorrelationId } from '../nodes/shared/items';
import { Ledger, type ReserveRequest } from '../nodes/shared/ledger/ledger';

/**
 * A GUID as an ERP's JSON answer carries it: a flat string. (randomUUID's own result is a rope of ~20
 * concatenated pieces, ~600 bytes of heap, that no parsed answer has: it made the heap figure 2.5× too large.)
 */
function erpGuid(): string {
	return JSON.parse(`"${randomUUID()}"`) as string;
}

/** Keys, references and ERP ids shaped like seed 001's (company-date-number, a GUID id). */
export function reserveRequest(index: number): ReserveRequest {
	const number = String(index).padStart(7, '0');
	return {
		key: `acme-2026-03-01-INV-${number}`,
		fingerprint: `f${number}`.padEnd(64, '0'),
		reference: `REF-${number}`,
		// What the nodes give every reservation (items.ts).
		correlationId: newCorrelationId(),
		leaseMs: 300_000,
		takeOverUnknown: true,
	};
}

/** One invoice through the ledger as the Post node does it: reserve, then commit as POSTED. */
export async function reserveAndCommit(ledger: Ledger, index: number): Promise<void> {
	const request = reserveRequest(index);
	const { decision } = await ledger.reserve(request);
	if (decision !== 'new') throw new Error(`bench key ${request.key} was not new (${decision})`);
	await ledger.markPosted(request.key, { erpId: erpGuid(), latencyMs: 50, countAttempt: true });
}
