import { effectiveState, MAX_CLOCK_SKEW_MS } from '../../nodes/shared/ledger/ledger';
import { freshLedger, LEASE_MS, reserveRequest } from './ledger-fixture';

const KEY = 'ACME-2026-11-24-INV-0042';

describe('a reservation whose run died: the lease runs out and the key reads as UNKNOWN, never as new', () => {
	it('is PENDING one millisecond before the lease ends and UNKNOWN at the instant it ends', async () => {
		const { ledger, clock } = freshLedger();
		const { record } = await ledger.reserve(reserveRequest());
		expect(effectiveState(record, clock.at + LEASE_MS - 1)).toBe('PENDING');
		expect(effectiveState(record, clock.at + LEASE_MS)).toBe('UNKNOWN');
	});

	it('measures the lease in epoch milliseconds, not in the milliseconds field of the clock (Powertools bug)', async () => {
		// A clock at xx:xx:xx.999: a lease compared against getUTCMilliseconds() (0–999) would look
		// live for ever or expired at once; ours ends exactly leaseMs later.
		const { ledger, clock } = freshLedger();
		clock.at = Date.UTC(2026, 10, 24, 9, 0, 0, 999);
		const { record } = await ledger.reserve(reserveRequest({ leaseMs: 2_000 }));
		expect(record.leaseUntil).toBe(Date.UTC(2026, 10, 24, 9, 0, 2, 999));
		expect(effectiveState(record, Date.UTC(2026, 10, 24, 9, 0, 2, 998))).toBe('PENDING');
		expect(effectiveState(record, Date.UTC(2026, 10, 24, 9, 0, 3, 0))).toBe('UNKNOWN');
		expect(effectiveState(record, Date.UTC(2026, 10, 25, 9, 0, 0, 0))).toBe('UNKNOWN');
	});

	it('answers In Progress (not New) to Dedupe Check once the lease expired', async () => {
		const { ledger, clock } = freshLedger();
		await ledger.reserve(reserveRequest());
		clock.advance(LEASE_MS + 60_000);
		const late = await ledger.reserve(reserveRequest({ correlationId: 'exec-b' }));
		expect(late.decision).toBe('inProgress');
		expect(effectiveState(late.record, clock.at)).toBe('UNKNOWN');
		// Nothing was taken over: the stored record is the dead run's.
		expect((await ledger.get(KEY))?.correlationId).toBe('exec-a');
	});

	it('hands an expired lease to the Post node as "verify" with a fresh lease, never as new', async () => {
		const { ledger, clock } = freshLedger();
		await ledger.reserve(reserveRequest());
		clock.advance(LEASE_MS - 1);
		// Within the tolerated clock skew the holder may still believe in its lease: not taken over yet.
		expect((await ledger.reserve(reserveRequest({ correlationId: 'exec-b', takeOverUnknown: true }))).decision).toBe('inProgress');
		clock.advance(1 + MAX_CLOCK_SKEW_MS);
		const takeover = await ledger.reserve(reserveRequest({ correlationId: 'exec-b', takeOverUnknown: true }));
		expect(takeover.decision).toBe('verify');
		expect(takeover.record).toMatchObject({ state: 'PENDING', correlationId: 'exec-b', leaseUntil: clock.at + LEASE_MS });
		// The new holder's lease is live: a third delivery waits.
		expect((await ledger.reserve(reserveRequest({ correlationId: 'exec-c', takeOverUnknown: true }))).decision).toBe('inProgress');
	});

	it('hands a record marked UNKNOWN to the Post node as "verify" and to Dedupe Check as In Progress', async () => {
		const { ledger } = freshLedger();
		await ledger.reserve(reserveRequest());
		await ledger.markUnknown(KEY, { error: 'timeout after 30 s', countAttempt: true });
		expect((await ledger.reserve(reserveRequest({ correlationId: 'exec-b' }))).decision).toBe('inProgress');
		const takeover = await ledger.reserve(reserveRequest({ correlationId: 'exec-c', takeOverUnknown: true }));
		expect(takeover.decision).toBe('verify');
		expect(takeover.record.attempts).toBe(1);
	});

	it('keeps a lease alive when it is renewed before it ends', async () => {
		const { ledger, clock } = freshLedger();
		await ledger.reserve(reserveRequest());
		clock.advance(LEASE_MS - 1000);
		await ledger.renewLease(KEY, LEASE_MS);
		clock.advance(2000); // past the original lease
		expect((await ledger.reserve(reserveRequest({ correlationId: 'exec-b', takeOverUnknown: true }))).decision).toBe('inProgress');
		expect((await ledger.get(KEY))?.leaseUntil).toBe(clock.at - 2000 + LEASE_MS);
	});

	it('does not turn a settled record back into PENDING when its lease is renewed', async () => {
		const { ledger } = freshLedger();
		await ledger.reserve(reserveRequest());
		await ledger.markPosted(KEY, { erpId: 'ERP-7' });
		await ledger.renewLease(KEY, LEASE_MS);
		const record = await ledger.get(KEY);
		expect(record?.state).toBe('POSTED');
		expect(record?.leaseUntil).toBeUndefined();
	});
});
