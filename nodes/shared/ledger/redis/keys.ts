import { LEDGER_STATES, type LedgerState } from '../types';

/**
 * Redis key names of one ledger, unambiguous whatever the names hold (`:`, `#`, `{}`, spaces,
 * newlines, NUL, emoji, 512 characters). The scope and the ledger name are length-prefixed —
 * `{keyPrefix}:{length}:{scope}:{length}:{ledger}` — so ledger `inv` with key `eu:K` and ledger
 * `inv:eu` with key `K` are different keys; after the ledger part, `:` starts a record key and `#` a
 * state index, so no idempotency key can name an index.
 *
 * Redis keys are bytes (UTF-8): a string with a lone surrogate would be written as U+FFFD and collide
 * with another, so such a name is written as `!~` + its UTF-16 code units in hex, and a name that
 * itself starts with `!` gets one more `!`. Every other name is written as it is.
 */
export function encodeName(name: string): string {
	if (!isWellFormed(name)) {
		let hex = '';
		for (let at = 0; at < name.length; at++) hex += name.charCodeAt(at).toString(16).padStart(4, '0');
		return `!~${hex}`;
	}
	return name.startsWith('!') ? `!${name}` : name;
}

export interface LedgerKeys {
	/** Prepended to an encoded idempotency key (the index member) to name its record hash. */
	recordPrefix: string;
	/** One sorted set per state, in LEDGER_STATES order. */
	stateIndexes: string[];
}

export function ledgerKeys(keyPrefix: string, scope: string, ledger: string): LedgerKeys {
	const scopePart = encodeName(scope);
	const ledgerPart = encodeName(ledger);
	const ledgerKey = `${keyPrefix}:${scopePart.length}:${scopePart}:${ledgerPart.length}:${ledgerPart}`;
	return {
		recordPrefix: `${ledgerKey}:`,
		stateIndexes: LEDGER_STATES.map((state: LedgerState) => `${ledgerKey}#${state}`),
	};
}

/**
 * The layout written before names were length-prefixed (`{keyPrefix}:{scope}:{ledger}:{key}`, indexes
 * `…{ledger}#{STATE}`): still read, and moved to the current layout when a ledger is first opened.
 */
export function legacyLedgerKeys(keyPrefix: string, scope: string, ledger: string): LedgerKeys {
	const ledgerKey = `${keyPrefix}:${scope}:${ledger}`;
	return {
		recordPrefix: `${ledgerKey}:`,
		stateIndexes: LEDGER_STATES.map((state: LedgerState) => `${ledgerKey}#${state}`),
	};
}

/** The scope of a ledger shared by name across workflows: no workflow id is `*`. */
export const SHARED_SCOPE = '*';

function isWellFormed(text: string): boolean {
	for (let at = 0; at < text.length; at++) {
		const unit = text.charCodeAt(at);
		if (unit >= 0xd800 && unit <= 0xdbff) {
			const next = text.charCodeAt(at + 1);
			if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
			at++;
		} else if (unit >= 0xdc00 && unit <= 0xdfff) {
			return false;
		}
	}
	return true;
}
