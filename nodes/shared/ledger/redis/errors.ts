/**
 * The ledger store cannot be reached or did not answer. Callers must treat the item as not
 * reserved (never as new): it leaves by Failed with this message and is not posted.
 * The message never carries credentials.
 */
export class LedgerUnavailableError extends Error {
	override readonly name = 'LedgerUnavailableError';

	constructor(reason: string) {
		super(`ledger unavailable: ${reason}`);
	}
}
