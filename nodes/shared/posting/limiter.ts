/**
 * Process-wide concurrency limits per ERP account: every execution of the process shares one
 * limiter per key, so two executions together never exceed the limit (FreeAgent: 1 per account).
 */
export class Semaphore {
	private active = 0;
	private readonly waiting: Array<() => void> = [];

	constructor(public limit: number) {}

	async run<T>(work: () => Promise<T>): Promise<T> {
		await this.acquire();
		try {
			return await work();
		} finally {
			this.release();
		}
	}

	private async acquire(): Promise<void> {
		if (this.active < this.limit) {
			this.active++;
			return;
		}
		await new Promise<void>((resolve) => this.waiting.push(resolve));
	}

	private release(): void {
		const next = this.waiting.shift();
		if (next) next();
		else this.active--;
	}
}

const limiters = new Map<string, Semaphore>();

/** The shared limiter of an account; its limit follows the latest caller's setting. */
export function accountLimiter(accountKey: string, limit: number): Semaphore {
	let limiter = limiters.get(accountKey);
	if (!limiter) {
		limiter = new Semaphore(limit);
		limiters.set(accountKey, limiter);
	}
	limiter.limit = Math.max(1, limit);
	return limiter;
}

/** What the engine needs of a limiter: run one ERP call when a slot is free. */
export interface Limiter {
	run<T>(work: () => Promise<T>): Promise<T>;
}
