import { randomUUID } from 'crypto';

import { Ledger, type ReserveRequest } from '../nodes/shared/ledger/ledger';

/** Keys, references and ERP ids shaped like seed 001's (company-date-number, a GUID id). */
export function reserveRequest(index: number): ReserveRequest {
	const number = String(index).padStart(7, '0');
	return {
		key: `acme-2026-03-01-INV-${number}`,
		fingerprint: `f${number}`.padEnd(64, '0'),
		reference: `REF-${number}`,
		correlationId: randomUUID(),
		leaseMs: 300_000,
		takeOverUnknown: true,
	};
}

/** One invoice through the ledger as the Post node does it: reserve, then commit as POSTED. */
export async function reserveAndCommit(ledger: Ledger, index: number): Promise<void> {
	const request = reserveRequest(index);
	const { decision } = await ledger.reserve(request);
	if (decision !== 'new') throw new Error(`bench key ${request.key} was not new (${decision})`);
	await ledger.markPosted(request.key, { erpId: randomUUID(), latencyMs: 50, countAttempt: true });
}
