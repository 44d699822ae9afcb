import { ANY_FINGERPRINT } from '../../nodes/shared/ledger/types';
import { freshLedger, LEASE_MS, reserveRequest } from './ledger-fixture';

describe('reserving a key: what a second delivery of the same invoice gets', () => {
	it('claims an absent key as New: PENDING, no attempts yet, lease running from now', async () => {
		const { ledger, clock } = freshLedger();
		const { decision, record } = await ledger.reserve(reserveRequest());
		expect(decision).toBe('new');
		expect(record).toMatchObject({
			state: 'PENDING',
			attempts: 0,
			reference: 'ACME-INV-0042',
			correlationId: 'exec-a',
			firstSeenAt: clock.at,
			updatedAt: clock.at,
			leaseUntil: clock.at + LEASE_MS,
		});
		expect(await ledger.get('ACME-2026-11-24-INV-0042')).toMatchObject({ state: 'PENDING', correlationId: 'exec-a' });
	});

	it('answers In Progress while the first delivery holds a live lease, and leaves its record alone', async () => {
		const { ledger, clock } = freshLedger();
		await ledger.reserve(reserveRequest());
		clock.advance(LEASE_MS - 1);
		const second = await ledger.reserve(reserveRequest({ correlationId: 'exec-b' }));
		expect(second.decision).toBe('inProgress');
		expect(second.record.correlationId).toBe('exec-a');
		expect((await ledger.get('ACME-2026-11-24-INV-0042'))?.correlationId).toBe('exec-a');
	});

	it('answers In Progress even to the Post node (takeOverUnknown) while the lease is live', async () => {
		const { ledger } = freshLedger();
		await ledger.reserve(reserveRequest());
		expect((await ledger.reserve(reserveRequest({ correlationId: 'exec-b', takeOverUnknown: true }))).decision).toBe('inProgress');
	});

	it.each(['POSTED', 'FAILED'] as const)('answers Duplicate for a %s key and never hands it out again', async (state) => {
		const { ledger } = freshLedger();
		await ledger.reserve(reserveRequest());
		if (state === 'POSTED') await ledger.markPosted('ACME-2026-11-24-INV-0042', { erpId: 'ERP-7' });
		else await ledger.markFailed('ACME-2026-11-24-INV-0042', { error: 'customer unknown' });
		for (const takeOverUnknown of [false, true]) {
			const again = await ledger.reserve(reserveRequest({ correlationId: 'exec-b', takeOverUnknown }));
			expect(again.decision).toBe('duplicate');
			expect(again.record.state).toBe(state);
		}
	});

	it('retakes a RETRY key for the next delivery (New again), keeping its history', async () => {
		const { ledger, clock } = freshLedger();
		await ledger.reserve(reserveRequest());
		await ledger.markRetry('ACME-2026-11-24-INV-0042', { error: '503 from ERP', nextAttemptAt: clock.at + 1000, countAttempt: true });
		clock.advance(5000);
		const { decision, record } = await ledger.reserve(reserveRequest({ correlationId: 'exec-b' }));
		expect(decision).toBe('retake');
		expect(record).toMatchObject({ state: 'PENDING', attempts: 1, correlationId: 'exec-b', leaseUntil: clock.at + LEASE_MS });
		expect(record.firstSeenAt).toBe(clock.at - 5000);
		expect(record.nextAttemptAt).toBeUndefined();
		expect((await ledger.get('ACME-2026-11-24-INV-0042'))?.state).toBe('PENDING');
	});

	it('answers Conflict when the same key arrives with another payload, and keeps the first payload', async () => {
		const { ledger } = freshLedger();
		await ledger.reserve(reserveRequest());
		const changed = await ledger.reserve(reserveRequest({ fingerprint: 'fp-amount-changed', correlationId: 'exec-b' }));
		expect(changed.decision).toBe('conflict');
		expect((await ledger.get('ACME-2026-11-24-INV-0042'))?.fingerprint).toBe('fp-original');
	});

	it('answers Conflict (not Duplicate) for a POSTED key with a changed payload', async () => {
		const { ledger } = freshLedger();
		await ledger.reserve(reserveRequest());
		await ledger.markPosted('ACME-2026-11-24-INV-0042', { erpId: 'ERP-7' });
		const changed = await ledger.reserve(reserveRequest({ fingerprint: 'fp-amount-changed' }));
		expect(changed.decision).toBe('conflict');
		expect(changed.record).toMatchObject({ state: 'POSTED', erpId: 'ERP-7' });
	});

	it('accepts any payload for a key marked posted without one (ANY_FINGERPRINT)', async () => {
		const { ledger, clock } = freshLedger();
		await ledger.markPosted('ACME-2026-11-24-INV-0042', {
			erpId: 'ERP-9',
			seed: {
				key: 'ACME-2026-11-24-INV-0042',
				fingerprint: ANY_FINGERPRINT,
				reference: 'ACME-INV-0042',
				attempts: 1,
				correlationId: 'import',
				firstSeenAt: clock.at,
				updatedAt: clock.at,
			},
		});
		for (const fingerprint of ['fp-one', 'fp-two']) {
			const again = await ledger.reserve(reserveRequest({ fingerprint }));
			expect(again.decision).toBe('duplicate');
			expect(again.record.erpId).toBe('ERP-9');
		}
	});

	it('lets exactly one of 50 concurrent reservations of one key win', async () => {
		const { ledger } = freshLedger();
		const results = await Promise.all(
			Array.from({ length: 50 }, (_, i) => ledger.reserve(reserveRequest({ correlationId: `exec-${i}` }))),
		);
		expect(results.filter((result) => result.decision === 'new')).toHaveLength(1);
		expect(results.filter((result) => result.decision === 'inProgress')).toHaveLength(49);
	});
});
