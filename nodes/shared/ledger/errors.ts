/** Typed ledger errors: callers catch by class, not by message. */

export class LedgerError extends Error {
	constructor(message: string) {
		super(message);
		this.name = new.target.name;
	}
}

/** The store cannot be reached or answered wrongly; nothing may be posted on its word. */
export class LedgerUnavailableError extends LedgerError {}

/** A transition that the state machine forbids (e.g. releasing a POSTED key). */
export class InvalidTransitionError extends LedgerError {}

/** Another writer kept changing the record; the operation gave up rather than guess. */
export class LedgerContentionError extends LedgerError {}

/**
 * A run wrote (or was about to post) a key it no longer holds: another execution took it over, or it was
 * settled meanwhile. Nothing may be posted or committed on the old holder's word.
 */
export class OwnershipLostError extends LedgerError {}
