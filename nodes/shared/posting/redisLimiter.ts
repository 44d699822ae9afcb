import { randomBytes } from 'crypto';

import type { Redis } from '../ledger/redis/client';
import { acquireLease, releaseLease } from '../ledger/redis/lease';
import type { Limiter, Semaphore } from './limiter';

const POLL_MS = 50;
/** Every slot frees within its TTL; waiting far longer means something else is wrong — give the call back as not sent. */
const MAX_WAIT_TTLS = 20;
const MIN_MAX_WAIT_MS = 120_000;

/**
 * The per-account limit across n8n processes (queue-mode workers): `slots` Redis leases per
 * account, each held for one ERP call. The process-wide semaphore still queues calls locally, so
 * one process never polls Redis for more slots than the limit. A crashed holder's slot frees
 * itself after `ttlMs`.
 */
export class RedisAccountLimiter implements Limiter {
	constructor(
		private readonly client: Redis,
		private readonly name: string,
		private readonly local: Semaphore,
		private readonly ttlMs: number,
		private readonly sleep: (ms: number) => Promise<void>,
	) {}

	async run<T>(work: () => Promise<T>): Promise<T> {
		return await this.local.run(async () => {
			const holder = randomBytes(8).toString('hex');
			const slot = await this.acquire(holder);
			try {
				return await work();
			} finally {
				await this.release(slot, holder);
			}
		});
	}

	private async acquire(holder: string): Promise<string> {
		const maxWaitMs = Math.max(MIN_MAX_WAIT_MS, MAX_WAIT_TTLS * this.ttlMs);
		for (let waitedMs = 0; waitedMs <= maxWaitMs; waitedMs += POLL_MS) {
			for (let index = 0; index < this.local.limit; index++) {
				const slot = `${this.name}:slot:${index}`;
				if (await acquireLease(this.client, slot, holder, this.ttlMs)) return slot;
			}
			await this.sleep(POLL_MS);
		}
		// Thrown before the ERP call: the engine reads it as "not sent", safe to retry.
		throw new Error(`no free slot of the account's concurrency limit in Redis within ${Math.round(maxWaitMs / 1000)} s`);
	}

	private async release(slot: string, holder: string): Promise<void> {
		try {
			await releaseLease(this.client, slot, holder);
		} catch (error) {
			// The call itself is done (and may have created the invoice): a lost release only costs the
			// slot until its TTL, so it must not turn the call's result into an error.
			this.releaseFailures.push((error as Error).message);
		}
	}

	readonly releaseFailures: string[] = [];
}
