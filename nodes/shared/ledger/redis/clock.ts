import type { Redis } from './client';
import { withRedis } from './client';

/**
 * The Redis server's clock, as every worker sharing the ledger reads it: a lease written by one
 * worker is judged expired by another only when the server's time says so, not when that worker's
 * own clock runs ahead. Read with TIME once per RECALIBRATE_MS per client, and advanced in between
 * by this process's monotonic clock (so a step of the wall clock changes nothing). The error is at
 * most half the round trip of the TIME call (loopback: well under 1 ms) plus the monotonic clocks'
 * drift since (parts per million); workers' own wall clocks may be off by any amount.
 */
interface Calibration {
	serverMs: number;
	monotonicMs: number;
}

const RECALIBRATE_MS = 60_000;
const calibrations = new WeakMap<Redis, Calibration>();

export async function redisServerClock(client: Redis): Promise<() => number> {
	const known = calibrations.get(client);
	if (!known || performance.now() - known.monotonicMs > RECALIBRATE_MS) {
		const sentAt = performance.now();
		const [seconds, micros] = await withRedis(client, async () => client.time());
		const receivedAt = performance.now();
		calibrations.set(client, { serverMs: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000), monotonicMs: (sentAt + receivedAt) / 2 });
	}
	return () => {
		const calibration = calibrations.get(client)!;
		return Math.round(calibration.serverMs + (performance.now() - calibration.monotonicMs));
	};
}
