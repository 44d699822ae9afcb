/** Small measuring helpers shared by every bench part. */

export function percentile(sorted: number[], p: number): number {
	if (sorted.length === 0) return NaN;
	const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[index];
}

export function summarise(samples: number[]): { median: number; p99: number } {
	const sorted = [...samples].sort((a, b) => a - b);
	return { median: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Wall milliseconds of `work`, with its result. */
export async function timed<T>(work: () => Promise<T> | T): Promise<{ ms: number; result: T }> {
	const start = process.hrtime.bigint();
	const result = await work();
	return { ms: Number(process.hrtime.bigint() - start) / 1e6, result };
}

/** Runs `task(i)` for i in 0..count-1 with at most `concurrency` in flight. */
export async function pool(count: number, concurrency: number, task: (index: number) => Promise<void>): Promise<void> {
	let next = 0;
	const worker = async () => {
		while (next < count) {
			const index = next++;
			await task(index);
		}
	};
	await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

export const round = (value: number, digits = 1): number => {
	const factor = 10 ** digits;
	return Math.round(value * factor) / factor;
};
