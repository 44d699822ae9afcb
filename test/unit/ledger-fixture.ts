import { Ledger, type ReserveRequest } from '../../nodes/shared/ledger/ledger';
import { StaticDataLedgerStore } from '../../nodes/shared/ledger/staticData/store';
import { ledgerTable } from '../../nodes/shared/ledger/staticData/registry';
import type { IDataObject } from 'n8n-workflow';

/** A clock the test moves by hand: lease and TTL arithmetic without waiting. */
export class FakeClock {
	constructor(public at = Date.UTC(2026, 10, 24, 9, 0, 0)) {}
	readonly now = (): number => this.at;
	advance(ms: number): void {
		this.at += ms;
	}
}

let serial = 0;

/** A Ledger over a fresh static-data store (its own workflow id, so tests never share records). */
export function freshLedger(clock = new FakeClock(), staticData: IDataObject = {}) {
	serial += 1;
	const table = ledgerTable(`wf-unit-${serial}-${Math.random().toString(36).slice(2)}`, 'invoices');
	const store = new StaticDataLedgerStore(table, staticData, 'invoices');
	return { ledger: new Ledger(store, clock.now), store, table, clock, staticData };
}

export const LEASE_MS = 300_000;

export function reserveRequest(overrides: Partial<ReserveRequest> = {}): ReserveRequest {
	return {
		key: 'ACME-2026-11-24-INV-0042',
		fingerprint: 'fp-original',
		reference: 'ACME-INV-0042',
		correlationId: 'exec-a',
		leaseMs: LEASE_MS,
		takeOverUnknown: false,
		...overrides,
	};
}
