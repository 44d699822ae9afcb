import type { IExecuteFunctions, INodeProperties } from 'n8n-workflow';

import type { PostingOptions } from './engine';

export const DEFAULT_POSTING_OPTIONS = {
	maxAttempts: 4,
	initialDelayMs: 1000,
	maxDelayMs: 30000,
	concurrency: 4,
	batchSize: 15,
	verifyBeforeRetry: true,
	requestTimeoutMs: 30000,
	idempotencyHeader: 'Idempotency-Key',
	lookupBeforePost: 'auto' as const,
	lookbackDays: 90,
};

export const postingOptionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Batch Size',
			name: 'batchSize',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 1000 },
			default: DEFAULT_POSTING_OPTIONS.batchSize,
			description:
				'Invoices per call for ERPs with a batch call (Infor batch, Dataverse $batch); 1 posts one at a time. Ignored by ERPs without one.',
		},
		{
			displayName: 'Concurrency',
			name: 'concurrency',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 64 },
			default: DEFAULT_POSTING_OPTIONS.concurrency,
			description:
				'Calls in flight at once to this ERP account, shared by every execution of this n8n process (FreeAgent always 1)',
		},
		{
			displayName: 'Idempotency Header',
			name: 'idempotencyHeader',
			type: 'string',
			default: DEFAULT_POSTING_OPTIONS.idempotencyHeader,
			description: 'Header that carries the idempotency key on every create, for ERPs that honour it; empty: not sent',
		},
		{
			displayName: 'Initial Delay (Ms)',
			name: 'initialDelayMs',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: DEFAULT_POSTING_OPTIONS.initialDelayMs,
			description: 'First back-off before a retry; it doubles each round (with full jitter) up to Max Delay',
		},
		{
			displayName: 'Lookback (Days)',
			name: 'lookbackDays',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: DEFAULT_POSTING_OPTIONS.lookbackDays,
			description: 'How far back lookups by reference search, for ERPs that can only list recent invoices',
		},
		{
			displayName: 'Lookup Before Post',
			name: 'lookupBeforePost',
			type: 'options',
			options: [
				{
					name: 'Auto',
					value: 'auto',
					description: 'Look new invoices up first on ERPs that cannot refuse a duplicate themselves',
				},
				{ name: 'Always', value: 'always', description: 'Look every new invoice up before posting it' },
				{ name: 'Never', value: 'never', description: 'Trust the ledger alone for new invoices' },
			],
			default: DEFAULT_POSTING_OPTIONS.lookupBeforePost,
			description:
				'Whether new keys are looked up in the ERP (in bulk) before the first post, so that an invoice posted by a run whose ledger was lost (n8n killed mid-run) is found instead of posted twice',
		},
		{
			displayName: 'Max Attempts',
			name: 'maxAttempts',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 20 },
			default: DEFAULT_POSTING_OPTIONS.maxAttempts,
			description: 'Tries per invoice in this run before it leaves by Failed (a later run picks it up again)',
		},
		{
			displayName: 'Max Delay (Ms)',
			name: 'maxDelayMs',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: DEFAULT_POSTING_OPTIONS.maxDelayMs,
			description:
				"Longest back-off between tries. The ERP's own Retry-After is honoured up to this or 60 seconds, whichever is longer; an invoice asked to wait longer leaves by Failed as RETRY with the ERP's date, for a later run.",
		},
		{
			displayName: 'Request Timeout (Ms)',
			name: 'requestTimeoutMs',
			type: 'number',
			typeOptions: { minValue: 100 },
			default: DEFAULT_POSTING_OPTIONS.requestTimeoutMs,
			description: 'How long one call may take; a create that times out is verified by reference before any retry',
		},
		{
			displayName: 'Settle Time (Seconds)',
			name: 'settleSeconds',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 60,
			description:
				"On ERPs that do not refuse a duplicate themselves: how long after a create whose outcome is unknown (timeout, reset, gateway 5xx) the ERP may still commit it. The invoice is looked up only after this, and must be found absent twice (half this apart) before it is sent again. Not set: the ERP's own default. 0 looks up at once (a late commit can then be posted twice).",
		},
		{
			displayName: 'Verify Before Retry',
			name: 'verifyBeforeRetry',
			type: 'boolean',
			default: DEFAULT_POSTING_OPTIONS.verifyBeforeRetry,
			description:
				'Whether a create whose outcome is unknown (timeout, 5xx mid-batch) is looked up by reference before it is retried. Off: it leaves by Failed as UNKNOWN unless the ERP refuses duplicates itself.',
		},
	],
};

export function readPostingOptions(fns: IExecuteFunctions): PostingOptions {
	const given = fns.getNodeParameter('options', 0, {}) as Partial<typeof DEFAULT_POSTING_OPTIONS> & { settleSeconds?: number | '' | null };
	const { settleSeconds, ...rest } = given;
	const merged = { ...DEFAULT_POSTING_OPTIONS, ...rest };
	// The lease must outlive every try of this run, so no other execution takes the key over mid-post.
	const leaseMs = Math.max(300_000, merged.requestTimeoutMs * (merged.maxAttempts + 1) + merged.maxDelayMs * merged.maxAttempts);
	return {
		...merged,
		idempotencyHeader: String(merged.idempotencyHeader ?? ''),
		leaseMs,
		waitForInFlightMs: merged.requestTimeoutMs,
		...(typeof settleSeconds === 'number' && Number.isFinite(settleSeconds) ? { settleMs: Math.max(0, settleSeconds) * 1000 } : {}),
	};
}
