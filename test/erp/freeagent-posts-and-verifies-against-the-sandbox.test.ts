import { freeAgentAdapter } from '../../nodes/shared/erp/freeAgent/adapter';
import type { ErpContext, PostAttempt } from '../../nodes/shared/erp/types';
import { answered, call, useSandbox } from '../sandbox/helpers';
import { connectFreeAgent, freeAgentTransport, sendOverHttp, type FreeAgentCredentials } from './freeagent-transport';

// Sandbox invoices carry the sandbox clock; a wall clock keeps them inside the adapter's look-back.
const sandbox = useSandbox({ erps: ['freeagent'], clock: 'wall' });
const FAST = { options: { perMinute: 100_000, perHour: 100_000, persistDelayMs: 0 } };

let credentials: FreeAgentCredentials;
let transport: ReturnType<typeof freeAgentTransport>;

function ctx(timeoutMs = 5000): ErpContext {
	return { transport, credentials, settings: {}, requestTimeoutMs: timeoutMs };
}

function attempt(reference: string, amount = 10): PostAttempt {
	return {
		key: `acme-${reference}`,
		reference,
		invoice: { invoiceNumber: reference, invoiceDate: '2026-01-05', currency: 'GBP', amount, contactUrl: `${sandbox().urls.freeagent}/v2/contacts/1` },
	};
}

beforeEach(async () => {
	sandbox().reset('freeagent');
	sandbox().setFaults('freeagent', FAST);
	credentials = await connectFreeAgent(sandbox().urls.freeagent);
	transport = freeAgentTransport(credentials);
});

describe('FreeAgent through HTTP against the sandbox', () => {
	it('the credential test call passes with a connected account and fails clearly with a wrong client secret', async () => {
		const test = answered(await call(`${sandbox().urls.freeagent}/v2/invoices?per_page=1`, {
			headers: { authorization: `Bearer ${credentials.oauthTokenData.access_token}`, 'user-agent': 'n8n-nodes-idempotent-invoice' },
		}));
		expect(test.status).toBe(200);
		await expect(connectFreeAgent(sandbox().urls.freeagent, 'wrong-secret')).rejects.toThrow(/HTTP 401.*invalid_client/);
		await expect(connectFreeAgent(sandbox().urls.freeagent, 'wrong-secret')).rejects.not.toThrow(/wrong-secret/);
	});

	it('posts with explicit references, says "exists" for a repeat, and finds each invoice once by reference', async () => {
		const references = ["O'Brien & Co #1 é", 'INV 2', 'INV-3'];
		const results = [];
		for (const reference of references) results.push(await freeAgentAdapter.create(ctx(), attempt(reference)));
		expect(results.map((r) => r.outcome)).toEqual(['created', 'created', 'created']);

		const repeat = await freeAgentAdapter.create(ctx(), attempt('INV 2'));
		expect(repeat).toMatchObject({ outcome: 'exists', httpStatus: 422 });

		const truth = sandbox().truth('freeagent');
		expect(truth.invoices).toHaveLength(3);
		expect(truth.duplicates).toEqual([]);
		expect(truth.invoices.map((i) => i.reference).sort()).toEqual([...references].sort());

		const found = await freeAgentAdapter.findByReferences(ctx(), [...references, 'never-posted'], { lookbackDays: 7 });
		for (const [index, reference] of references.entries()) {
			expect(found.get(reference)).toHaveLength(1);
			expect(found.get(reference)?.[0].erpId).toBe(results[index].erpId);
		}
		expect(found.get('never-posted')).toEqual([]);
	});

	it('pages through more than one page of invoices to find an old one', async () => {
		for (let n = 1; n <= 130; n++) await freeAgentAdapter.create(ctx(), attempt(`BULK-${String(n).padStart(3, '0')}`, n));
		const found = await freeAgentAdapter.findByReferences(ctx(), ['BULK-001', 'BULK-130'], { lookbackDays: 1 });
		expect(found.get('BULK-001')).toHaveLength(1);
		expect(found.get('BULK-130')?.[0].amount).toBe(130);
		const listed = await freeAgentAdapter.listRange!(ctx(), { from: '2026-01-05', to: '2026-01-05' });
		expect(listed).toHaveLength(130);
	});

	it('a timeout after FreeAgent committed is ambiguous, and the lookup then finds the one invoice', async () => {
		sandbox().setFaults('freeagent', { ...FAST, schedule: [{ write: 1, fault: 'commitThenTimeout' }], commitThenTimeoutMode: 'reset' });
		const lost = await freeAgentAdapter.create(ctx(), attempt('LOST-1'));
		expect(lost.outcome).toBe('ambiguous');
		const found = await freeAgentAdapter.findByReferences(ctx(), ['LOST-1'], { lookbackDays: 1 });
		expect(found.get('LOST-1')).toHaveLength(1);
		expect(sandbox().truth('freeagent').countByReference['LOST-1']).toBe(1);
	});

	it('throttling is retryable after a minute when FreeAgent sends no Retry-After, and stores nothing', async () => {
		sandbox().setFaults('freeagent', { ...FAST, throttle: 1 });
		const result = await freeAgentAdapter.create(ctx(), attempt('SLOW-1'));
		expect(result).toMatchObject({ outcome: 'retryable', httpStatus: 429, retryAfterMs: 60_000 });
		expect(sandbox().truth('freeagent').invoices).toHaveLength(0);
	});

	it('an expired access token is refreshed once and the post goes through', async () => {
		sandbox().setFaults('freeagent', { ...FAST, tokenTtlMs: 60_000 });
		credentials = await connectFreeAgent(sandbox().urls.freeagent);
		transport = freeAgentTransport(credentials);
		sandbox().advanceClock(61_000);
		const result = await freeAgentAdapter.create(ctx(), attempt('AFTER-EXPIRY'));
		expect(result.outcome).toBe('created');
		expect(transport.refreshes).toBe(1);
		expect(sandbox().truth('freeagent').countByReference['AFTER-EXPIRY']).toBe(1);
	});

	it('FreeAgent refuses requests without a User-Agent; the adapter always sends one', async () => {
		const bare = await sendOverHttp(
			{ method: 'GET', url: `${sandbox().urls.freeagent}/v2/invoices` },
			{ authorization: `Bearer ${credentials.oauthTokenData.access_token}` },
		);
		expect(bare).toMatchObject({ kind: 'response', status: 400 });
		// Without its User-Agent this lookup would get the same 400 and throw ErpLookupError.
		await expect(freeAgentAdapter.findByReferences(ctx(), ['x'], { lookbackDays: 1 })).resolves.toBeInstanceOf(Map);
	});
});
