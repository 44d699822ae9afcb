/**
 * A sliding-window request limit on the sandbox clock (FreeAgent per minute/hour, Dataverse per
 * five minutes). Shared by the FreeAgent and Dataverse simulators; a candidate for sandbox/core.
 */
export class SlidingWindowLimit {
	private readonly hits = new Map<string, number[]>();

	/**
	 * Counts one request for `who` at `now` unless the window is full. Returns undefined when the
	 * request may pass, else the milliseconds until the oldest request in the window leaves it.
	 */
	take(who: string, now: number, limit: number, windowMs: number): number | undefined {
		const recent = (this.hits.get(who) ?? []).filter((at) => at > now - windowMs);
		if (recent.length >= limit) {
			this.hits.set(who, recent);
			return Math.max(1, recent[0] + windowMs - now);
		}
		recent.push(now);
		this.hits.set(who, recent);
		return undefined;
	}

	reset(): void {
		this.hits.clear();
	}
}
