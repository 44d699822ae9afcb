import { OwnershipLostError } from '../../nodes/shared/ledger/errors';
import { Ledger, MAX_CLOCK_SKEW_MS, type ReserveRequest } from '../../nodes/shared/ledger/ledger';
import { RedisLedgerStore } from '../../nodes/shared/ledger/redis';
import { StaticDataLedgerStore } from '../../nodes/shared/ledger/staticData/store';
import { ledgerTable } from '../../nodes/shared/ledger/staticData/registry';
import type { LedgerStore } from '../../nodes/shared/ledger/types';
import { describeWithRedisServer, redisForSuite } from '../helpers/redis-server';
import { redisLeaseProbe, staticDataLeaseProbe, type LeaseProbe } from './leases';

/**
 * The slow-run cell rests on its probe doing what time does to a lease and nothing more: if it missed
 * the records (a changed layout, other keys) the cell would expire nothing, and if it bumped a version
 * the holder would be "fenced" by the harness, not by another execution's takeover.
 */
const request = (key: string, correlationId: string, execution: string): ReserveRequest => ({
	key,
	fingerprint: 'fp',
	reference: `REF-${key}`,
	correlationId,
	leaseMs: 300_000,
	takeOverUnknown: true,
	execution,
});

function probeContract(open: () => { store: LedgerStore; probe: LeaseProbe }) {
	it('moves only the lease of PENDING records into the past: the holder keeps its version until another execution takes the key over', async () => {
		const { store, probe } = open();
		const ledger = new Ledger(store);
		const a = await ledger.reserve(request('K-1', 'corr-a', 'exec-a'));
		const other = await ledger.reserve(request('K-2', 'corr-c', 'exec-c'));
		await ledger.reserve(request('K-3', 'corr-a3', 'exec-a'));
		await ledger.markPosted('K-3', { erpId: 'E-3' });

		const touched = await probe.expire(a.record.owner);

		expect([...touched.keys()]).toEqual(['K-1']);
		expect(touched.get('K-1')?.correlationId).toBe('corr-a');
		const expired = (await store.get('K-1'))!;
		expect({ ...expired, leaseUntil: 0 }).toEqual({ ...a.record, leaseUntil: 0 });
		expect(expired.leaseUntil!).toBeLessThan(Date.now() - MAX_CLOCK_SKEW_MS);
		expect(await store.get('K-2')).toEqual(other.record);
		expect((await store.get('K-3'))?.state).toBe('POSTED');

		const b = await ledger.reserve(request('K-1', 'corr-b', 'exec-b'));
		expect(b.decision).toBe('verify');
		expect((await probe.correlationIds(['K-1', 'K-2', 'absent'])).get('K-1')).toBe('corr-b');
		await expect(ledger.renew('K-1', { correlationId: 'corr-a', version: a.record.version }, 300_000)).rejects.toBeInstanceOf(OwnershipLostError);
	});

	it('without an owner, expires every PENDING record', async () => {
		const { store, probe } = open();
		const ledger = new Ledger(store);
		await ledger.reserve(request('K-1', 'corr-a', 'exec-a'));
		await ledger.reserve(request('K-2', 'corr-c', 'exec-c'));
		expect([...(await probe.expire()).keys()].sort()).toEqual(['K-1', 'K-2']);
		expect((await ledger.reserve(request('K-2', 'corr-d', 'exec-d'))).decision).toBe('verify');
	});
}

let serial = 0;

describe('the slow-run lease probe on static data', () => {
	probeContract(() => {
		const workflowId = `wf-probe-${++serial}`;
		return { store: new StaticDataLedgerStore(ledgerTable(workflowId, 'invoices'), {}, 'invoices'), probe: staticDataLeaseProbe(workflowId, 'invoices') };
	});
});

describeWithRedisServer('the slow-run lease probe on Redis', () => {
	const redis = redisForSuite();

	probeContract(() => {
		const workflowId = `wf-probe-${++serial}`;
		return {
			store: new RedisLedgerStore({ client: redis.client(), keyPrefix: 'probe', scope: workflowId, ledger: 'invoices' }),
			probe: redisLeaseProbe(redis.client(), 'probe', workflowId, 'invoices'),
		};
	});
});
