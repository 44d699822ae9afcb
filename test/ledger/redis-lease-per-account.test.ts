import type { Redis } from '../../nodes/shared/ledger/redis';
import {
	acquireLease,
	closeRedisClient,
	createRedisClient,
	LedgerUnavailableError,
	releaseLease,
	renewLease,
} from '../../nodes/shared/ledger/redis';
import { RedisAccountLimiter } from '../../nodes/shared/posting/redisLimiter';
import { Semaphore } from '../../nodes/shared/posting/limiter';
import { describeWithRedisServer, startRedisServer, type RedisServer } from '../helpers/redis-server';

describeWithRedisServer('one post at a time per FreeAgent account, across workers', () => {
	let server: RedisServer | undefined;
	let workerA: Redis;
	let workerB: Redis;

	beforeAll(async () => {
		server = await startRedisServer();
		workerA = createRedisClient({ host: '127.0.0.1', port: server.port });
		workerB = createRedisClient({ host: '127.0.0.1', port: server.port });
	});

	afterAll(async () => {
		if (workerA) await closeRedisClient(workerA);
		if (workerB) await closeRedisClient(workerB);
		await server?.stop();
	});

	it('gives the account to one holder until that holder releases it', async () => {
		const account = 'test-ledger:lease:freeAgent:account-17';

		expect(await acquireLease(workerA, account, 'worker-A/exec-1', 60_000)).toBe(true);
		expect(await acquireLease(workerB, account, 'worker-B/exec-2', 60_000)).toBe(false);
		expect(await releaseLease(workerB, account, 'worker-B/exec-2')).toBe(false);
		expect(await acquireLease(workerB, account, 'worker-B/exec-2', 60_000)).toBe(false);

		expect(await releaseLease(workerA, account, 'worker-A/exec-1')).toBe(true);
		expect(await acquireLease(workerB, account, 'worker-B/exec-2', 60_000)).toBe(true);
		expect(await releaseLease(workerA, account, 'worker-A/exec-1')).toBe(false);
		expect(await workerA.get(account)).toBe('worker-B/exec-2');
	});

	it('lets exactly 1 of 50 concurrent contenders from two workers hold it', async () => {
		const account = 'test-ledger:lease:freeAgent:account-50';
		const contenders = Array.from({ length: 50 }, async (_, n) =>
			acquireLease(n % 2 ? workerA : workerB, account, `contender-${n}`, 60_000),
		);
		expect((await Promise.all(contenders)).filter(Boolean)).toHaveLength(1);
	});

	it('frees the account when a crashed holder never releases it, and not before', async () => {
		const account = 'test-ledger:lease:freeAgent:account-crash';
		// Redis expires the lease on its own clock: 2 s, so that "not before" holds even when a busy machine
		// stalls between the two calls (at 200 ms a stall could let the second one in).
		expect(await acquireLease(workerA, account, 'crashed-worker', 2_000)).toBe(true);
		expect(await acquireLease(workerB, account, 'next-worker', 60_000)).toBe(false);

		let acquired = false;
		for (let attempt = 0; attempt < 100 && !acquired; attempt++) {
			await new Promise((resolve) => setTimeout(resolve, 50));
			acquired = await acquireLease(workerB, account, 'next-worker', 60_000);
		}

		expect(acquired).toBe(true);
		expect(await releaseLease(workerA, account, 'crashed-worker')).toBe(false);
	});

	it('frees a lease that lost its expiry (restored from a dump after a failover) within its TTL, instead of never', async () => {
		const account = 'test-ledger:lease:freeAgent:account-restored';
		await workerA.set(account, 'holder-of-a-dead-run');

		expect(await acquireLease(workerB, account, 'next-worker', 2_000)).toBe(false);
		const ttl = await workerA.pttl(account);
		expect(ttl).toBeGreaterThan(0);
		expect(ttl).toBeLessThanOrEqual(2_000);
	});

	it('gives a call back as not sent when no slot frees, instead of waiting for ever', async () => {
		const account = 'test-ledger:lease:freeAgent:account-stuck';
		await workerA.set(`${account}:slot:0`, 'another-worker', 'PX', 600_000);
		let slept = 0;
		// Injected time: each poll "waits" without waiting, so the verdict does not depend on the machine.
		const limiter = new RedisAccountLimiter(workerB, account, new Semaphore(1), 1_000, async (ms) => {
			slept += ms;
		});
		let called = false;

		await expect(limiter.run(async () => (called = true))).rejects.toThrow(/no free slot of the account's concurrency limit in Redis within 120 s/);
		expect(called).toBe(false);
		expect(slept).toBeGreaterThanOrEqual(120_000);
	});

	it('renews only for the holder', async () => {
		const account = 'test-ledger:lease:freeAgent:account-renew';
		await acquireLease(workerA, account, 'holder', 1_000);

		expect(await renewLease(workerB, account, 'intruder', 60_000)).toBe(false);
		expect(await workerA.pttl(account)).toBeLessThanOrEqual(1_000);
		expect(await renewLease(workerA, account, 'holder', 60_000)).toBe(true);
		expect(await workerA.pttl(account)).toBeGreaterThan(1_000);
	});

	it('reports an unreachable Redis as "ledger unavailable", never as a free account', async () => {
		const lost = createRedisClient({ host: '127.0.0.1', port: server!.port });
		await acquireLease(lost, 'test-ledger:lease:probe', 'probe', 1_000);
		await closeRedisClient(lost);

		await expect(acquireLease(lost, 'test-ledger:lease:freeAgent:x', 'w', 1_000)).rejects.toBeInstanceOf(
			LedgerUnavailableError,
		);
	});
});
