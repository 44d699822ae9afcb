import { mulberry32, streamSeed } from './prng';
import type { FaultConfig, FaultDecider, HostileWriteFault, SandboxErp } from './types';

type WriteFault = ReturnType<FaultDecider['nextWrite']>;
type ShareFault = 'dropConnection' | 'throttle' | 'failBeforeCommit' | 'commitThenTimeout' | HostileWriteFault;

/**
 * Order in which shares are stacked on the one draw per write: outermost (network) faults first. The
 * hostile ones come last so that adding them leaves every earlier seed's faults where they were.
 */
const WRITE_SHARES: ShareFault[] = [
	'dropConnection',
	'throttle',
	'failBeforeCommit',
	'commitThenTimeout',
	'gateway5xx',
	'lateCommit',
	'existsWithoutId',
	'existsOtherRecord',
];
const READ_SHARES: Array<'dropConnection' | 'throttle'> = ['dropConnection', 'throttle'];

/** Thrown by the decider the core hands to simulators: the core destroys the socket, nothing was committed. */
export class DropConnection extends Error {
	constructor() {
		super('dropConnection');
		this.name = 'DropConnection';
	}
}

/**
 * One per simulator. Exactly one draw per decision, so the same seed and the same request sequence
 * give the same faults whatever the shares are. `schedule` entries beat shares.
 */
export class SeededFaultDecider implements FaultDecider {
	private random_: () => number;
	/** Second stream for the details of a hostile fault (delay, status, committed or not), so they never shift the main stream. */
	private detail_: () => number;
	private writes = 0;
	private faults: FaultConfig;

	constructor(
		private readonly seed: number,
		private readonly erp: SandboxErp,
		faults: FaultConfig,
		/** Sandbox-wide defaults (e.g. tokenTtlMs) under the ERP's own config. */
		private readonly defaults: FaultConfig = {},
	) {
		this.faults = faults;
		this.random_ = mulberry32(streamSeed(seed, `faults:${erp}`));
		this.detail_ = mulberry32(streamSeed(seed, `hostile:${erp}`));
	}

	/** New config; the schedule counts writes from now on, so a test can set faults mid-way. */
	setConfig(faults: FaultConfig): void {
		this.faults = faults;
		this.writes = 0;
	}

	/** Back to the state right after start: same seed stream, write counter 0. */
	reset(): void {
		this.writes = 0;
		this.random_ = mulberry32(streamSeed(this.seed, `faults:${this.erp}`));
		this.detail_ = mulberry32(streamSeed(this.seed, `hostile:${this.erp}`));
	}

	/** Seeded random in [0, 1) for a hostile fault's details. */
	detail(): number {
		return this.detail_();
	}

	config(): FaultConfig {
		return { ...this.defaults, ...this.faults };
	}

	random(): number {
		return this.random_();
	}

	nextWrite(): WriteFault {
		this.writes += 1;
		const draw = this.random_();
		const scheduled = this.faults.schedule?.find((entry) => entry.write === this.writes);
		if (scheduled) return this.raise(scheduled.fault);
		return this.raise(pickByShare(draw, WRITE_SHARES, this.faults));
	}

	nextRead(): 'throttle' | 'dropConnection' | undefined {
		const draw = this.random_();
		const fault = pickByShare(draw, READ_SHARES, this.faults);
		if (fault === 'dropConnection') throw new DropConnection();
		return fault;
	}

	private raise(fault: WriteFault): WriteFault {
		if (fault === 'dropConnection') throw new DropConnection();
		return fault;
	}
}

function pickByShare<T extends ShareFault>(draw: number, kinds: T[], faults: FaultConfig): T | undefined {
	let upper = 0;
	for (const kind of kinds) {
		upper += clampShare(faults[kind]);
		if (draw < upper) return kind;
	}
	return undefined;
}

function clampShare(share: number | undefined): number {
	if (typeof share !== 'number' || !Number.isFinite(share)) return 0;
	return Math.min(1, Math.max(0, share));
}
