import type { Redis } from '../../nodes/shared/ledger/redis';
import {
	closeCachedRedisClients,
	closeRedisClient,
	createRedisClient,
	getRedisClient,
	LedgerUnavailableError,
	RedisLedgerStore,
} from '../../nodes/shared/ledger/redis';
import {
	describeWithRedisServer,
	freeLoopbackPort,
	startRedisServer,
	type RedisServer,
} from '../helpers/redis-server';
import { makeRecord } from './store-conformance';

// A hang would show as this test timeout; nothing here asserts speed.
const NO_HANG_MS = 20_000;
const PASSWORD = 'ledger-test-secret-4f9a';

function storeOn(client: Redis): RedisLedgerStore {
	return new RedisLedgerStore({ client, keyPrefix: 'test-ledger', scope: 'wf-down', ledger: 'invoices' });
}

async function expectUnavailable(operation: Promise<unknown>): Promise<LedgerUnavailableError> {
	const error = await operation.then(
		() => undefined,
		(reason: unknown) => reason,
	);
	expect(error).toBeInstanceOf(LedgerUnavailableError);
	const unavailable = error as LedgerUnavailableError;
	expect(unavailable.message).toMatch(/^ledger unavailable: /);
	expect(unavailable.message).not.toContain(PASSWORD);
	expect(unavailable.stack ?? '').not.toContain(PASSWORD);
	return unavailable;
}

describeWithRedisServer('when Redis is unreachable, the ledger says so instead of assuming new', () => {
	const servers: RedisServer[] = [];
	const clients: Redis[] = [];

	afterAll(async () => {
		await Promise.all(clients.map(closeRedisClient));
		await closeCachedRedisClients();
		for (const server of servers) await server.stop();
	});

	it(
		'fails every operation with "ledger unavailable" while Redis is stopped, and recovers when it returns',
		async () => {
			const server = await startRedisServer({ password: PASSWORD });
			servers.push(server);
			const credentials = { host: '127.0.0.1', port: server.port, password: PASSWORD };
			const client = getRedisClient(credentials);
			expect(getRedisClient({ ...credentials })).toBe(client);
			const store = storeOn(client);
			const posted = makeRecord({ state: 'POSTED' });
			expect(await store.insert(posted)).toEqual({ ok: true });

			await server.stop();

			await expectUnavailable(store.insert(makeRecord()));
			await expectUnavailable(store.get(posted.key));
			await expectUnavailable(store.replace({ ...posted, version: 2 }, 1));
			await expectUnavailable(store.list({ states: ['UNKNOWN'] }));
			await expectUnavailable(store.count());
			await expectUnavailable(store.evict({ ttlMs: 1000, maxRecords: 10 }, Date.now()));

			const restarted = await startRedisServer({ port: server.port, password: PASSWORD });
			servers.push(restarted);
			const record = makeRecord();
			const claimed = await eventually(async () => store.insert(record));
			expect(claimed).toEqual({ ok: true });
			expect(await store.get(record.key)).toEqual(record);
			expect(getRedisClient(credentials)).toBe(client);
		},
		NO_HANG_MS,
	);

	it(
		'rejects the operations in flight when Redis dies under them',
		async () => {
			const server = await startRedisServer({ extraArgs: ['--enable-debug-command', 'yes'] });
			servers.push(server);
			const client = createRedisClient({ host: '127.0.0.1', port: server.port });
			const blocker = createRedisClient({ host: '127.0.0.1', port: server.port });
			clients.push(client, blocker);
			const store = storeOn(client);
			await store.count();
			await storeOn(blocker).count();

			// Redis is busy, so these 200 reserves are sent and unanswered when it crashes.
			const busy = blocker.call('DEBUG', 'SLEEP', '5').catch(() => undefined);
			const inFlight = Array.from({ length: 200 }, async () => store.insert(makeRecord()));
			const outcomes = Promise.allSettled(inFlight);
			await server.stop('SIGKILL');

			const settled = await outcomes;
			expect(settled.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(0);
			for (const outcome of settled) {
				expect(outcome.status === 'rejected' && outcome.reason).toBeInstanceOf(LedgerUnavailableError);
			}
			await busy;
			await expectUnavailable(store.insert(makeRecord()));
		},
		NO_HANG_MS,
	);

	it(
		'fails the first operation when nothing listens on the port',
		async () => {
			const port = await freeLoopbackPort();
			const client = createRedisClient({ host: '127.0.0.1', port, password: PASSWORD });
			clients.push(client);

			const error = await expectUnavailable(storeOn(client).insert(makeRecord()));
			expect(error.message).toContain('ECONNREFUSED');
		},
		NO_HANG_MS,
	);

	it(
		'fails with "ledger unavailable" and no password in the message when the password is wrong',
		async () => {
			const server = await startRedisServer({ password: 'the-right-one-7c1d' });
			servers.push(server);
			const client = createRedisClient({ host: '127.0.0.1', port: server.port, password: PASSWORD });
			clients.push(client);

			const error = await expectUnavailable(storeOn(client).get('any'));
			expect(error.message).not.toContain('the-right-one-7c1d');
		},
		NO_HANG_MS,
	);
});

/** Retries until Redis is back and the shared client has reconnected by itself. */
async function eventually<T>(operation: () => Promise<T>, attempts = 100): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await operation();
		} catch (error) {
			if (!(error instanceof LedgerUnavailableError) || attempt >= attempts) throw error;
			await new Promise((resolve) => setTimeout(resolve, 100));
		}
	}
}
