import { createHash } from 'crypto';

/**
 * Erply's `temporaryUUID` for an idempotency key: the same key always gives the same value, and
 * the value fits Erply's rules (`A-Za-z0-9.-`, at most 128 characters) whatever the key holds.
 * Hashing rather than sanitising keeps two keys that differ only in forbidden characters apart.
 */
export function temporaryUuidFor(idempotencyKey: string): string {
	return `n8n-${createHash('sha256').update(idempotencyKey, 'utf8').digest('hex')}`;
}
