import { InvalidTransitionError } from '../../nodes/shared/ledger/errors';
import type { LedgerState } from '../../nodes/shared/ledger/types';
import { freshLedger, reserveRequest } from './ledger-fixture';

const KEY = 'ACME-2026-11-24-INV-0042';

/** A ledger holding KEY in the given state, reached the way runs reach it. */
async function ledgerWith(state: LedgerState) {
	const fixture = freshLedger();
	const { ledger } = fixture;
	await ledger.reserve(reserveRequest({ key: KEY }));
	if (state === 'POSTED') await ledger.markPosted(KEY, { erpId: 'ERP-1', response: { invoiceId: 'ERP-1' } });
	if (state === 'FAILED') await ledger.markFailed(KEY, { error: 'VAT code rejected', countAttempt: true });
	if (state === 'UNKNOWN') await ledger.markUnknown(KEY, { error: 'timeout', countAttempt: true });
	if (state === 'RETRY') await ledger.markRetry(KEY, { error: '503', nextAttemptAt: fixture.clock.at + 1000, countAttempt: true });
	return fixture;
}

type Mark = 'markPosted' | 'markFailed' | 'markUnknown' | 'markRetry';
const target: Record<Mark, LedgerState> = { markPosted: 'POSTED', markFailed: 'FAILED', markUnknown: 'UNKNOWN', markRetry: 'RETRY' };

// The ERP is the truth: POSTED is reachable from everywhere. Nothing leaves POSTED but POSTED;
// FAILED waits for review (release), it is never silently turned into a retry.
const allowed: Array<[LedgerState, Mark, boolean]> = [
	['PENDING', 'markPosted', true],
	['PENDING', 'markFailed', true],
	['PENDING', 'markUnknown', true],
	['PENDING', 'markRetry', true],
	['UNKNOWN', 'markPosted', true],
	['UNKNOWN', 'markFailed', true],
	['UNKNOWN', 'markRetry', true],
	['RETRY', 'markPosted', true],
	['RETRY', 'markUnknown', true],
	['FAILED', 'markPosted', true],
	['FAILED', 'markFailed', true],
	['FAILED', 'markUnknown', false],
	['FAILED', 'markRetry', false],
	['POSTED', 'markPosted', true],
	['POSTED', 'markFailed', false],
	['POSTED', 'markUnknown', false],
	['POSTED', 'markRetry', false],
];

describe('marking an outcome: allowed and forbidden origins', () => {
	it.each(allowed)('%s → %s allowed: %s', async (from, mark, ok) => {
		const { ledger } = await ledgerWith(from);
		const before = await ledger.get(KEY);
		const attempt = ledger[mark](KEY, { error: 'why', erpId: mark === 'markPosted' ? 'ERP-2' : undefined });
		if (ok) {
			expect((await attempt).state).toBe(target[mark]);
			expect((await ledger.get(KEY))?.state).toBe(target[mark]);
		} else {
			await expect(attempt).rejects.toThrow(InvalidTransitionError);
			await expect(ledger[mark](KEY, {})).rejects.toThrow(`key "${KEY}" is ${from}; it cannot become ${target[mark]}`);
			expect(await ledger.get(KEY)).toEqual(before);
		}
	});

	it('refuses to mark a key the ledger never saw (unless seeded)', async () => {
		const { ledger } = freshLedger();
		for (const mark of ['markPosted', 'markFailed', 'markUnknown', 'markRetry'] as const) {
			await expect(ledger[mark]('NEVER-SEEN', {})).rejects.toThrow(InvalidTransitionError);
		}
		expect(await ledger.get('NEVER-SEEN')).toBeUndefined();
	});

	it('records erpId, response, latency and one more attempt on markPosted; clears lease and error', async () => {
		const { ledger, clock } = await ledgerWith('UNKNOWN');
		clock.advance(1234);
		const posted = await ledger.markPosted(KEY, { erpId: 'ERP-77', response: { invoiceId: 'ERP-77' }, latencyMs: 850, countAttempt: true });
		expect(posted).toMatchObject({ state: 'POSTED', erpId: 'ERP-77', response: { invoiceId: 'ERP-77' }, latencyMs: 850, attempts: 2, updatedAt: clock.at });
		expect(posted.error).toBeUndefined();
		expect(posted.leaseUntil).toBeUndefined();
		expect(await ledger.get(KEY)).toEqual(posted);
	});

	it('keeps the reason on markFailed and the next attempt time on markRetry', async () => {
		const failed = await ledgerWith('FAILED');
		expect(await failed.ledger.get(KEY)).toMatchObject({ state: 'FAILED', error: 'VAT code rejected', attempts: 1 });
		const retry = await ledgerWith('RETRY');
		expect(await retry.ledger.get(KEY)).toMatchObject({ state: 'RETRY', error: '503', nextAttemptAt: retry.clock.at + 1000 });
	});

	it('bumps the version on every write (the compare-and-set token)', async () => {
		const { ledger } = await ledgerWith('PENDING');
		const v1 = (await ledger.get(KEY))!.version;
		await ledger.markUnknown(KEY, {});
		await ledger.markPosted(KEY, { erpId: 'ERP-3' });
		expect((await ledger.get(KEY))!.version).toBe(v1 + 2);
	});
});

describe('releasing a key', () => {
	it.each(['PENDING', 'FAILED', 'UNKNOWN', 'RETRY'] as const)('forgets a %s key so the next delivery is New', async (state) => {
		const { ledger } = await ledgerWith(state);
		const released = await ledger.release(KEY);
		expect(released?.state).toBe(state);
		expect(await ledger.get(KEY)).toBeUndefined();
		expect((await ledger.reserve(reserveRequest({ key: KEY, correlationId: 'exec-b' }))).decision).toBe('new');
	});

	it('refuses to release a POSTED key: that would let the invoice be posted twice', async () => {
		const { ledger } = await ledgerWith('POSTED');
		await expect(ledger.release(KEY)).rejects.toThrow(InvalidTransitionError);
		await expect(ledger.release(KEY)).rejects.toThrow('is POSTED (ERP id ERP-1); releasing it would allow a second invoice');
		expect((await ledger.get(KEY))?.state).toBe('POSTED');
	});

	it('answers undefined for a key that is not there', async () => {
		const { ledger } = freshLedger();
		expect(await ledger.release('NEVER-SEEN')).toBeUndefined();
	});
});
