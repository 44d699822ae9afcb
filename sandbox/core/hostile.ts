import type { FaultConfig, FaultDecider, SimContext, SimRequest, SimResponse, Simulator } from './types';

/**
 * The hostile faults of issue 15, carried out once for every simulator: a simulator only asks for a
 * write decision (`ctx.faults.nextWrite()`, always before it stores anything) and, for the `exists…`
 * faults, offers its own "already exists" answer. This wrapper turns the decision into behaviour:
 *
 * - lateCommit: the request is answered now (504 from the gateway, after `holdMs` — or never, when the
 *   client gives up first) and the simulator runs it again later, with the decision already taken, so
 *   the commit lands after the client stopped waiting (a batch one invoice at a time);
 * - gateway5xx: the simulator runs (committing, or failing before commit) and its answer is replaced by
 *   the gateway's 502/503/504;
 * - existsWithoutId / existsOtherRecord: the simulator's "already exists" answer, nothing stored;
 * - omitRetryAfter: a 429 loses its Retry-After header.
 *
 * Ground truth stays exact: a late commit is in `truth()` from the moment it happens; `idle()` waits
 * until no late commit is outstanding, so a test reads the final truth.
 */

const DEFAULT_LATE_COMMIT_MAX_MS = 2000;
const DEFAULT_GATEWAY_STATUSES: Array<502 | 503 | 504> = [502, 503, 504];

/** What a gateway in front of the ERP answers (Envoy's words; API gateways say much the same). */
const GATEWAY_BODIES: Record<502 | 503 | 504, string> = {
	502: 'upstream connect error or disconnect/reset before headers. reset reason: connection termination',
	503: 'upstream connect error or disconnect/reset before headers. reset reason: overflow',
	504: 'upstream request timeout',
};

class LateCommit extends Error {
	constructor(readonly delayMs: number) {
		super('lateCommit');
	}
}

class ExistsInstead extends Error {
	constructor(readonly otherRecord: boolean) {
		super('exists');
	}
}

/** The decider one request sees: the simulator's seeded decider, with the hostile kinds intercepted. */
class RequestFaults implements FaultDecider {
	gatewayStatus?: 502 | 503 | 504;

	constructor(
		private readonly base: FaultDecider,
		/** A late commit's deferred run: its first write decision was taken already (no fault). */
		private decided = false,
	) {}

	config(): FaultConfig {
		return this.base.config();
	}

	random(): number {
		return this.base.random();
	}

	detail(): number {
		return this.base.detail ? this.base.detail() : this.base.random();
	}

	nextRead() {
		return this.base.nextRead();
	}

	nextWrite() {
		if (this.decided) {
			this.decided = false;
			return undefined;
		}
		const fault = this.base.nextWrite();
		const config = this.base.config();
		switch (fault) {
			case 'lateCommit': {
				const min = Math.max(0, config.lateCommitMinMs ?? 0);
				const max = Math.max(min, config.lateCommitMaxMs ?? DEFAULT_LATE_COMMIT_MAX_MS);
				throw new LateCommit(Math.round(min + this.detail() * (max - min)));
			}
			case 'gateway5xx': {
				const statuses = config.gatewayStatuses?.length ? config.gatewayStatuses : DEFAULT_GATEWAY_STATUSES;
				this.gatewayStatus = statuses[Math.floor(this.detail() * statuses.length)];
				// The upstream either processed the request or failed before storing it; the client cannot tell.
				return this.detail() < (config.gatewayCommitShare ?? 0.5) ? undefined : 'failBeforeCommit';
			}
			case 'existsWithoutId':
			case 'existsOtherRecord':
				throw new ExistsInstead(fault === 'existsOtherRecord');
			default:
				return fault;
		}
	}
}

export interface HostileSimulator extends Simulator {
	/** Resolves when no late commit is outstanding (including ones scheduled meanwhile). */
	idle(): Promise<void>;
	/** Late commits scheduled and not yet run. */
	outstanding(): number;
}

export function withHostileFaults(simulator: Simulator): HostileSimulator {
	const late = new Set<NodeJS.Timeout>();
	let waiters: Array<() => void> = [];
	const settleWaiters = () => {
		if (late.size > 0) return;
		const ready = waiters;
		waiters = [];
		for (const resolve of ready) resolve();
	};

	const gatewayAnswer = (status: 502 | 503 | 504): SimResponse => ({
		status,
		headers: { 'content-type': 'text/plain', server: 'envoy' },
		body: GATEWAY_BODIES[status],
	});

	async function handle(req: SimRequest, ctx: SimContext): Promise<SimResponse> {
		const faults = new RequestFaults(ctx.faults);
		let answer: SimResponse;
		try {
			answer = await simulator.handle(req, { ...ctx, faults });
		} catch (error) {
			if (error instanceof LateCommit) return deferCommit(req, ctx, error.delayMs);
			if (error instanceof ExistsInstead) return existsAnswer(req, ctx, error.otherRecord) ?? (await simulator.handle(req, { ...ctx, faults: new RequestFaults(ctx.faults, true) }));
			throw error;
		}
		if (faults.gatewayStatus !== undefined) return gatewayAnswer(faults.gatewayStatus);
		return answer.status === 429 && ctx.faults.config().omitRetryAfter ? withoutRetryAfter(answer) : answer;
	}

	function deferCommit(req: SimRequest, ctx: SimContext, delayMs: number): SimResponse {
		const pace = Math.max(0, ctx.faults.config().lateCommitItemMs ?? 0);
		const timer = setTimeout(() => {
			const rerun = async () => {
				try {
					await simulator.handle(req, { ...ctx, faults: new RequestFaults(ctx.faults, true), commitPaceMs: pace });
				} catch {
					// Nobody is listening any more: whatever the run committed is in the truth, which is all that counts.
				} finally {
					late.delete(timer);
					settleWaiters();
				}
			};
			void rerun();
		}, delayMs);
		// A sandbox stopped meanwhile must not be kept alive by a commit nobody will read.
		timer.unref();
		late.add(timer);
		return { ...gatewayAnswer(504), delivery: 'hold' };
	}

	function existsAnswer(req: SimRequest, ctx: SimContext, otherRecord: boolean): SimResponse | undefined {
		if (!simulator.existsAnswer) return undefined;
		let otherId: string | undefined;
		if (otherRecord) {
			const stored = simulator.truth().invoices;
			const draw = ctx.faults.detail ? ctx.faults.detail() : ctx.faults.random();
			if (stored.length > 0) otherId = stored[Math.floor(draw * stored.length)].id;
		}
		return simulator.existsAnswer(req, ctx, otherId);
	}

	const reset = () => {
		// A reset sandbox starts empty: commits still on their way are dropped, not landed in the next scenario.
		for (const timer of late) clearTimeout(timer);
		late.clear();
		settleWaiters();
		simulator.reset();
	};
	const wrapped: HostileSimulator & { demoCredentials?: (baseUrl: string) => Record<string, unknown> } = {
		erp: simulator.erp,
		handle,
		truth: () => simulator.truth(),
		reset,
		idle: () =>
			new Promise<void>((resolve) => {
				waiters.push(resolve);
				settleWaiters();
			}),
		outstanding: () => late.size,
	};
	// Optional extras a simulator offers (demo credentials) stay reachable through the wrapper.
	const offer = (simulator as Simulator & { demoCredentials?: (baseUrl: string) => Record<string, unknown> }).demoCredentials;
	if (typeof offer === 'function') wrapped.demoCredentials = (baseUrl) => offer.call(simulator, baseUrl);
	return wrapped;
}

function withoutRetryAfter(answer: SimResponse): SimResponse {
	const headers = Object.fromEntries(Object.entries(answer.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'retry-after'));
	return { ...answer, headers };
}

// ---------------------------------------------------------------- lookup lag

/** When each stored record was committed (sandbox clock), for `visible`. Records never noted are visible. */
const committedAt = new WeakMap<object, number>();

/** A simulator calls this where it stores a record. */
export function noteCommit<T extends object>(record: T, ctx: SimContext): T {
	committedAt.set(record, ctx.now());
	return record;
}

/** The records a search or list sees now: with `lookupLagMs`, only those committed at least that long ago. */
export function visible<T extends object>(records: T[], ctx: SimContext): T[] {
	const lag = ctx.faults.config().lookupLagMs ?? 0;
	if (lag <= 0) return records;
	const now = ctx.now();
	return records.filter((record) => (committedAt.get(record) ?? -Infinity) + lag <= now);
}

/** Between the invoices of a late batch's deferred run. */
export function commitPace(ctx: SimContext): Promise<void> {
	const ms = ctx.commitPaceMs ?? 0;
	return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
