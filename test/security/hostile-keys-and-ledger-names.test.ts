/**
 * Issue 12, hostile-input suite: idempotency keys and ledger names an attacker or a careless sender
 * would choose — prototype names, separators of the stores' own key layout (`:`, `#`), braces, spaces,
 * newlines, NUL, emoji, 512 characters. Each is kept apart from every other, persisted, and known
 * again after a restart, in workflow static data and in Redis; non-ASCII keys still post on Infor
 * (its X-Correlation-ID header carries the key).
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { startSandbox, type Sandbox } from '../../sandbox';
import { clearRegistry } from '../../nodes/shared/ledger/staticData/registry';
import { closeCachedRedisClients } from '../../nodes/shared/ledger/redis';
import { chain, node, runWorkflow, TestCredentialsHelper, type WorkflowJson } from '../helpers/n8n-harness';
import { startRedisServer, isRedisServerInstalled, type RedisServer } from '../helpers/redis-server';
import { invoices } from '../posting/helpers';
import { errorOf, erpUnderTest, info } from './hostile-helpers';
import { installSecretScan } from './secret-scan-hooks';

const REDIS_PASSWORD = 'hostile-redis-secret';

/** Keys that name prototype members, the stores' separators, or are simply awkward. */
const HOSTILE_KEYS: Array<[label: string, key: string]> = [
	['__proto__', '__proto__'],
	['constructor', 'constructor'],
	['toString', 'toString'],
	['hasOwnProperty', 'hasOwnProperty'],
	['colons', 'a:b:c'],
	['index-like', 'invoices#POSTED'],
	['braces', '{{ $json.amount }}{}'],
	['json-object', '{"$gt":""}'],
	['inner spaces', 'ACME  2026 11 24'],
	['newline', 'line\nbreak'],
	['NUL', 'nul\u0000byte'],
	['emoji', '🧾💶 invoice'],
	['non-Latin', 'Köln-請求書-1'],
	['512 characters', `K${'ü'.repeat(510)}K`],
];

/** Ledger names of the same kinds (one Dedupe Check per name: the name is a node parameter). */
const HOSTILE_LEDGER_NAMES: Array<[label: string, name: string]> = [
	['__proto__', '__proto__'],
	['constructor', 'constructor'],
	['toString', 'toString'],
	['colon', 'inv:eu'],
	['index-like', 'invoices#POSTED'],
	['braces', '{}'],
	['inner spaces', 'my  ledger'],
	['newline', 'line\nname'],
	['NUL', 'nul\u0000name'],
	['emoji', '🧾 ledger'],
	['512 characters', `L${'é'.repeat(510)}L`],
];

type Store = { ledgerStore: 'workflowStaticData' } | { ledgerStore: 'redis'; keyPrefix: string };

const INFOR_CREDENTIAL = { inforIonApi: { id: 'cred-infor', name: 'Infor' } };
const REDIS_CREDENTIAL = { redis: { id: 'cred-redis', name: 'Redis' } };

function dedupe(name: string, store: Store, parameters: IDataObject) {
	return {
		...node(name, 'dedupeCheck', { ...store, ...parameters }, store.ledgerStore === 'redis' ? REDIS_CREDENTIAL : undefined),
		// Continue on fail: an unusable key fails that item (Conflict output), never the run.
		onError: 'continueRegularOutput' as const,
	};
}

/** Dedupe Check → Post (Infor) on one ledger: New goes on to be posted. */
function reserveAndPost(store: Store): WorkflowJson {
	return chain([
		dedupe('Seen', store, { operation: 'checkAndReserve' }),
		node(
			'Post',
			'idempotentInvoicePost',
			{ erp: 'inforIcs', ...store, options: { batchSize: 1, initialDelayMs: 20, maxDelayMs: 200, requestTimeoutMs: 5000 } },
			{ ...INFOR_CREDENTIAL, ...(store.ledgerStore === 'redis' ? REDIS_CREDENTIAL : {}) },
		),
	]);
}

/** One Dedupe Check per ledger name, in a chain (New goes on to the next ledger). */
function throughEveryLedger(store: Store, operation: 'checkAndReserve' | 'lookup'): WorkflowJson {
	return chain(HOSTILE_LEDGER_NAMES.map(([, name], index) => dedupe(`Ledger ${index}`, store, { operation, ledger: name })));
}

/**
 * Keys that would share one stored record if ledger name and key were simply joined by the
 * separators the Redis store uses (`inv` + `eu:K` = `inv:eu` + `K`; `inv` + `x#PENDING` = the state
 * index of ledger `inv:x`). Each Dedupe Check must see its key as New.
 */
function ambiguousJoins(store: Store): WorkflowJson {
	return chain([
		dedupe('inv + eu:K', store, { operation: 'checkAndReserve', ledger: 'inv', idempotencyKey: '={{ "eu:" + $json.idempotencyKey }}' }),
		dedupe('inv:eu + K', store, { operation: 'checkAndReserve', ledger: 'inv:eu' }),
		dedupe('inv:x + K', store, { operation: 'checkAndReserve', ledger: 'inv:x' }),
		dedupe('inv + x#PENDING', store, { operation: 'checkAndReserve', ledger: 'inv', idempotencyKey: 'x#PENDING' }),
		dedupe('inv + x#POSTED', store, { operation: 'checkAndReserve', ledger: 'inv', idempotencyKey: 'x#POSTED' }),
	]);
}

const keyedInvoices = (prefix: string): IDataObject[] =>
	invoices(HOSTILE_KEYS.length, prefix).map((invoice, index) => ({ ...invoice, idempotencyKey: HOSTILE_KEYS[index][1] }));

const keysOf = (items: INodeExecutionData[]) => items.map((item) => String(item.json.idempotencyKey));
const labelsOf = (keys: string[]) => keys.map((key) => HOSTILE_KEYS.find(([, hostileKey]) => hostileKey === key)?.[0] ?? key).sort();
const allLabels = HOSTILE_KEYS.map(([label]) => label).sort();

describe.each([
	['workflow static data', () => ({ ledgerStore: 'workflowStaticData' }) as Store],
	['Redis', () => ({ ledgerStore: 'redis', keyPrefix: 'n8n-idem' }) as Store],
])('hostile keys and ledger names in %s', (storeName, storeOf) => {
	const usesRedis = storeName === 'Redis';
	let sandbox: Sandbox;
	let redis: RedisServer | undefined;
	let credentials: () => Promise<TestCredentialsHelper>;
	const store = storeOf();
	const scan = installSecretScan();

	beforeAll(async () => {
		if (usesRedis && !isRedisServerInstalled()) throw new Error('redis-server is not installed (apt-get install -y redis-server)');
		sandbox = await startSandbox({ erps: ['infor'], seed: 12 });
		if (usesRedis) {
			redis = await startRedisServer({ password: REDIS_PASSWORD });
			scan.addSecret(REDIS_PASSWORD);
		}
		credentials = async () => {
			const helper = await erpUnderTest('infor').credentials(sandbox);
			if (redis) helper.stored.set('redis', { host: '127.0.0.1', port: redis.port, password: REDIS_PASSWORD, database: 0 });
			return helper;
		};
	});
	afterAll(async () => {
		await closeCachedRedisClients();
		await redis?.stop();
		await sandbox?.stop();
	});
	beforeEach(() => {
		clearRegistry();
		sandbox.reset();
	});

	/** What n8n does on a restart: the process-wide ledger registry and Redis connections are gone. */
	const restart = async () => {
		clearRegistry();
		await closeCachedRedisClients();
	};

	it('each hostile key is reserved, posted once (also on Infor, whose header carries the key), and known again after a restart', async () => {
		const input = keyedInvoices(`KEYS-${usesRedis ? 'R' : 'S'}`);
		// Refused naming the key, never reserved: 513 characters, and one without a letter or digit.
		const refused = [`K${'x'.repeat(512)}`, '{}:#'].map((key, index) => ({ ...invoices(1, `REFUSED-${index}`)[0], idempotencyKey: key }));
		const workflow = reserveAndPost(store);
		const first = await runWorkflow({ workflow, input: [...input, ...refused], credentials: await credentials() });
		expect(first.error).toBeUndefined();
		const [isNew = [], , , conflict = []] = first.outputs('Seen');
		expect(labelsOf(keysOf(isNew))).toEqual(allLabels);
		expect(conflict.map(errorOf)).toEqual(refused.map(() => expect.stringMatching(/idempotencyKey|Idempotency Key/)));
		const [posted = [], existed = [], failed = []] = first.outputs('Post');
		expect({ failed: failed.map((item) => `${JSON.stringify(item.json.idempotencyKey)}: ${errorOf(item)}`), existed: existed.length }).toEqual({ failed: [], existed: 0 });
		expect(labelsOf(keysOf(posted))).toEqual(allLabels);
		const truth = sandbox.truth('infor');
		expect(truth.duplicates).toEqual([]);
		expect(Object.keys(truth.countByReference).sort()).toEqual(input.map((invoice) => String(invoice.externalReference)).sort());

		await restart();
		const reload = await runWorkflow({ workflow: chain([dedupe('Seen', store, { operation: 'checkAndReserve' })]), input, credentials: await credentials(), staticData: first.staticData });
		const [again = [], duplicate = [], inProgress = [], conflictAgain = []] = reload.outputs('Seen');
		expect({ new: labelsOf(keysOf(again)), inProgress: labelsOf(keysOf(inProgress)), conflict: conflictAgain.map(errorOf) }).toEqual({ new: [], inProgress: [], conflict: [] });
		expect(labelsOf(keysOf(duplicate))).toEqual(allLabels);
		for (const item of duplicate) expect(info(item)).toMatchObject({ key: item.json.idempotencyKey, state: 'POSTED', reference: item.json.externalReference });
	});

	it('each hostile ledger name is a ledger of its own that survives a restart', async () => {
		const input = invoices(2, `LEDGERS-${usesRedis ? 'R' : 'S'}`);
		const first = await runWorkflow({ workflow: throughEveryLedger(store, 'checkAndReserve'), input, credentials: await credentials() });
		expect(first.error).toBeUndefined();
		const newIn = HOSTILE_LEDGER_NAMES.map(([label], index) => [label, (first.outputs(`Ledger ${index}`)[0] ?? []).length]);
		expect(newIn).toEqual(HOSTILE_LEDGER_NAMES.map(([label]) => [label, 2]));

		await restart();
		const reload = await runWorkflow({ workflow: throughEveryLedger(store, 'lookup'), input, credentials: await credentials(), staticData: first.staticData });
		expect(reload.error).toBeUndefined();
		const foundIn = HOSTILE_LEDGER_NAMES.map(([label], index) => [label, (reload.outputs(`Ledger ${index}`)[0] ?? []).map((item) => info(item).outcome)]);
		expect(foundIn).toEqual(HOSTILE_LEDGER_NAMES.map(([label]) => [label, ['found', 'found']]));
	});

	it('a ledger name and a key never join into another ledger\'s record or index', async () => {
		const first = await runWorkflow({ workflow: ambiguousJoins(store), input: invoices(1, `JOINS-${usesRedis ? 'R' : 'S'}`), credentials: await credentials() });
		expect(first.error).toBeUndefined();
		const nodes = ['inv + eu:K', 'inv:eu + K', 'inv:x + K', 'inv + x#PENDING', 'inv + x#POSTED'];
		const outcome = (name: string) => {
			const outputs = first.outputs(name);
			const index = outputs.findIndex((items) => items.length > 0);
			return index < 0 ? 'never reached' : `${['New', 'Duplicate', 'In Progress', 'Conflict'][index]}${index === 3 ? `: ${errorOf(outputs[3][0])}` : ''}`;
		};
		expect(nodes.map((name) => [name, outcome(name)])).toEqual(nodes.map((name) => [name, 'New']));
	});

	it('a field named __proto__ is part of the fingerprint: other content under it is a Conflict, not a Duplicate', async () => {
		// JSON.parse makes `__proto__` an own field, as a webhook's body parser does.
		const delivery = (amount: number) => JSON.parse(`{"idempotencyKey":"PROTO-FP-${usesRedis ? 'R' : 'S'}","invoiceNumber":"INV-1","__proto__":{"amount":${amount}}}`) as IDataObject;
		const workflow = chain([dedupe('Seen', store, { operation: 'checkAndReserve' })]);
		const first = await runWorkflow({ workflow, input: [delivery(1)], credentials: await credentials() });
		expect((first.outputs('Seen')[0] ?? []).length).toBe(1);
		const second = await runWorkflow({ workflow, input: [delivery(999)], credentials: await credentials(), staticData: first.staticData });
		expect(second.outputs('Seen').map((items) => items.length)).toEqual([0, 0, 0, 1]);
	});
});
