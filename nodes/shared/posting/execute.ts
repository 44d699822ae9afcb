import { createHash } from 'crypto';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError, sleep } from 'n8n-workflow';

import { erpEntry } from '../erp/registry';
import { createErpTransport } from '../erp/transport';
import type { ErpAdapter, ErpContext } from '../erp/types';
import { idempotencyInfo } from '../items';
import { openLedger, readLedgerOptions, type LedgerOptions, type LedgerSession } from '../ledger/open';
import { getRedisClient } from '../ledger/redis/client';
import { redisCredentialsFrom } from '../ledger/redis/open';
import { PostingEngine, type JobResult, type Route } from './engine';
import { readInvoiceEntries, type InvoiceEntry } from './jobs';
import { accountLimiter, type Limiter } from './limiter';
import { RedisAccountLimiter } from './redisLimiter';
import { readPostingOptions } from './options';

const OUTPUT: Record<Route, number> = { posted: 0, alreadyExisted: 1, failed: 2 };

/** The ERP chosen on the node, its context (transport, credential, settings) — shared by Post and Verify. */
export async function openErp(fns: IExecuteFunctions, requestTimeoutMs: number): Promise<{ adapter: ErpAdapter; ctx: ErpContext; accountKey: string }> {
	const erp = fns.getNodeParameter('erp', 0) as string;
	const entry = erpEntry(erp);
	if (!entry) throw new NodeOperationError(fns.getNode(), `Unknown ERP "${erp}"`);
	const { adapter } = entry;
	const credentials = (await fns.getCredentials(adapter.credentialType)) as IDataObject;
	const ctx: ErpContext = {
		transport: createErpTransport(fns, adapter.credentialType),
		credentials,
		settings: fns.getNodeParameter(`${erp}Settings`, 0, {}) as IDataObject,
		requestTimeoutMs,
	};
	// One limiter per ERP account: the credential's id, or (unsaved credentials) a hash of its content.
	const credentialId = fns.getNode().credentials?.[adapter.credentialType]?.id;
	const account = credentialId ?? createHash('sha256').update(JSON.stringify(credentials)).digest('hex').slice(0, 16);
	return { adapter, ctx, accountKey: `${erp}:${account}` };
}

export async function executeInvoicePost(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const options = readPostingOptions(this);
	const { adapter, ctx, accountKey } = await openErp(this, options.requestTimeoutMs);
	const capabilities = adapter.capabilities(ctx);
	const entries = readInvoiceEntries(this, items, capabilities.requiredFields);
	const results = new Map<number, JobResult>();

	const ledgerOptions = readLedgerOptions(this);
	let session: LedgerSession | undefined;
	try {
		session = await openLedger(this, ledgerOptions);
	} catch (error) {
		// No ledger, no post: posting blind could create a second invoice.
		for (const entry of entries) {
			results.set(entry.id, { route: 'failed', outcome: 'ledgerUnavailable', error: `not posted: ${(error as Error).message}` });
		}
	}
	if (session) {
		try {
			const engine = new PostingEngine({
				ledger: session.ledger,
				adapter,
				ctx,
				options,
				limiter: await accountLimit(this, ledgerOptions, accountKey, Math.min(options.concurrency, capabilities.maxConcurrency ?? Infinity), options.requestTimeoutMs),
				sleep: async (ms) => await sleep(ms),
				execution: executionIdOf(this),
				...(markPostedFollows(this) ? { replyPendingMs: options.leaseMs } : {}),
			});
			const jobs = entries.flatMap((entry) => (entry.job ? [entry.job] : []));
			for (const [id, result] of await engine.run(jobs)) results.set(id, result);
		} finally {
			await session.close();
		}
	}

	const outputs: INodeExecutionData[][] = [[], [], []];
	for (const entry of entries) {
		const result = results.get(entry.id) ?? { route: 'failed' as const, outcome: 'invalid', error: entry.error ?? 'not processed' };
		outputs[OUTPUT[result.route]].push(outputItem(entry, result));
	}
	this.addExecutionHints({ message: summary(outputs), type: outputs[2].length > 0 ? 'warning' : 'info', location: 'outputPane' });
	return outputs;
}

function executionIdOf(fns: IExecuteFunctions): string | undefined {
	try {
		return fns.getExecutionId() || undefined;
	} catch {
		return undefined;
	}
}

/** Whether a Dedupe Check `markPosted` downstream writes the answer a replay returns (the callback template). */
function markPostedFollows(fns: IExecuteFunctions): boolean {
	try {
		return fns
			.getChildNodes(fns.getNode().name, { includeNodeParameters: true })
			.some((child) => !child.disabled && child.type.endsWith('.dedupeCheck') && child.parameters?.operation === 'markPosted');
	} catch {
		return false;
	}
}

function outputItem(entry: InvoiceEntry, result: JobResult): INodeExecutionData {
	const key = entry.key ?? '';
	const info = idempotencyInfo(key, result.record, result.outcome, {
		...(result.error ? { error: result.error } : {}),
		...(!result.record && entry.job ? { reference: entry.job.reference } : {}),
	});
	return { json: { ...entry.json, idempotency: info }, pairedItem: { item: entry.itemIndex } };
}

function summary(outputs: INodeExecutionData[][]): string {
	const [posted, existed, failed] = outputs.map((output) => output.length);
	const text = `${posted} posted, ${existed} already existed, ${failed} failed`;
	return failed > 0 ? `${text} — see the Failed output for the reasons` : text;
}

/**
 * The account's concurrency limit: process-wide always; across n8n processes too when the ledger
 * is on Redis (queue mode), so FreeAgent stays one-at-a-time with several workers.
 */
async function accountLimit(fns: IExecuteFunctions, ledger: LedgerOptions, accountKey: string, limit: number, requestTimeoutMs: number): Promise<Limiter> {
	const local = accountLimiter(accountKey, limit);
	if (ledger.store !== 'redis') return local;
	const client = getRedisClient(redisCredentialsFrom(await fns.getCredentials('redis')));
	return new RedisAccountLimiter(client, `${ledger.keyPrefix}:account:${accountKey}`, local, requestTimeoutMs * 2, async (ms) => await sleep(ms));
}
