import { NodeOperationError } from 'n8n-workflow';

import { closeCachedRedisClients } from '../../nodes/shared/ledger/redis';
import { chain, node, runWorkflow, TestCredentialsHelper } from '../helpers/n8n-harness';
import { freeLoopbackPort } from '../helpers/redis-server';

afterAll(async () => await closeCachedRedisClients());

test('Dedupe Check on a Redis ledger nobody answers fails as n8n\'s NodeOperationError saying what to check, not a raw error', async () => {
	const port = await freeLoopbackPort();
	const credentials = new TestCredentialsHelper({ redis: { host: '127.0.0.1', port, password: 'outage-secret-77', database: 0 } });
	const workflow = chain([node('Dedupe Check', 'dedupeCheck', { ledgerStore: 'redis' }, { redis: { id: 'cred-redis', name: 'Redis' } })]);

	const run = await runWorkflow({ workflow, input: [{ idempotencyKey: 'K-1' }], credentials });

	const error = run.run.data.resultData.error;
	// n8n hands the run's error on as it serialised it: the class by name.
	expect(error).toMatchObject({ name: NodeOperationError.name, message: 'The ledger is unavailable', node: { name: 'Dedupe Check' } });
	expect(error?.description).toMatch(/^connect ECONNREFUSED .*Check the Ledger Store: for Redis, that the server is up and the Redis credential is right/);
	expect(JSON.stringify({ message: error?.message, description: error?.description })).not.toContain('outage-secret-77');
});
