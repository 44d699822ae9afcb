import { LedgerUnavailableError } from '../errors';

// One class for the whole ledger, so callers catch Redis outages like any other store's.
export { LedgerUnavailableError };

/** "ledger unavailable: <reason>"; the reason must already be free of credentials. */
export function ledgerUnavailable(reason: string): LedgerUnavailableError {
	return new LedgerUnavailableError(`ledger unavailable: ${reason}`);
}
