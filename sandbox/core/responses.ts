import type { FaultConfig, FaultDecider, SimRequest, SimResponse } from './types';

/** Helpers every simulator shares; ERP-specific bodies stay in the simulators. */

type WriteFault = ReturnType<FaultDecider['nextWrite']>;

/** How a committed write is delivered when `commitThenTimeout` hit it. */
export function afterCommitDelivery(fault: WriteFault, config: FaultConfig): SimResponse['delivery'] {
	if (fault !== 'commitThenTimeout') return 'normal';
	return config.commitThenTimeoutMode ?? 'hold';
}

export function retryAfterSeconds(config: FaultConfig): number {
	return config.retryAfterSeconds ?? 1;
}

export function failBeforeCommitStatus(config: FaultConfig): 500 | 503 {
	return config.failBeforeCommitStatus ?? 500;
}

/**
 * The 0-based index at which a batch call stops, or undefined when this batch runs through.
 * With a scheduled `failMidBatch`, `failMidBatchAt` is that one failure's index; without one it
 * applies to every batch longer than it.
 */
export function midBatchFailureIndex(fault: WriteFault, config: FaultConfig, batchLength: number): number | undefined {
	const configured = config.failMidBatchAt;
	if (fault === 'failMidBatch') return Math.min(configured ?? Math.floor(batchLength / 2), batchLength);
	const scheduled = config.schedule?.some((entry) => entry.fault === 'failMidBatch') ?? false;
	if (configured !== undefined && configured < batchLength && !scheduled) return configured;
	return undefined;
}

export function option<T>(config: FaultConfig, name: string, fallback: T): T {
	const value = config.options?.[name];
	return value === undefined ? fallback : (value as T);
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** HTTP Basic credentials of a request, or undefined. */
export function basicCredentials(req: SimRequest): { user: string; password: string } | undefined {
	const header = req.headers.authorization ?? '';
	if (!header.startsWith('Basic ')) return undefined;
	const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
	const colon = decoded.indexOf(':');
	if (colon < 0) return undefined;
	return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function bearerToken(req: SimRequest): string | undefined {
	const header = req.headers.authorization ?? '';
	return header.startsWith('Bearer ') ? header.slice(7) : undefined;
}

export function isIsoDate(value: unknown): value is string {
	return typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);
}

/** Simulators model work that takes time (a microflow between its check and its commit). */
export function pause(ms: number): Promise<void> {
	return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
