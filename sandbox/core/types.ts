/**
 * The contract between the sandbox's HTTP core (sandbox/core/) and each ERP simulator
 * (sandbox/erps/<erp>/). A simulator is plain logic over parsed requests; the core owns sockets,
 * routing by prefix, the admin API, latency, holding/resetting connections and the request log.
 */

export type SandboxErp = 'infor' | 'dataverse' | 'freeagent' | 'erply' | 'mendix' | 'generic';

/** Fault kinds (issue 4). Per simulator, set through the admin API or a seeded schedule. */
export type FaultKind =
	| 'latency'
	| 'commitThenTimeout'
	| 'failBeforeCommit'
	| 'failMidBatch'
	| 'throttle'
	| 'tokenExpiry'
	| 'dropConnection'
	| HostileWriteFault;

/**
 * Faults production has and a kind sandbox hides (issue 15), decided per write like the others but
 * carried out by the core's wrapper (sandbox/core/hostile.ts), never by a simulator itself:
 * - `lateCommit`: the gateway gives up (504 after `holdMs`, or the client times out first) while the
 *   ERP keeps processing and commits `lateCommitMinMs`..`lateCommitMaxMs` later; a batch commits one
 *   invoice every `lateCommitItemMs`.
 * - `gateway5xx`: a proxy answers 502/503/504 after it forwarded the request; the ERP committed it
 *   with probability `gatewayCommitShare`.
 * - `existsWithoutId`: the ERP answers "already exists" with no id, and stored nothing.
 * - `existsOtherRecord`: the ERP answers "already exists" because of another record (its id when the
 *   ERP's answer carries one), and stored nothing.
 */
export type HostileWriteFault = 'lateCommit' | 'gateway5xx' | 'existsWithoutId' | 'existsOtherRecord';

export interface FaultConfig {
	/** Fixed latency added to every request, ms, plus uniform jitter in [-jitterMs, +jitterMs]. */
	latencyMs?: number;
	jitterMs?: number;
	/** Share (0..1) of write operations that commit and then time out or reset. */
	commitThenTimeout?: number;
	/**
	 * 'hold': keep the response until the client gives up (closes the socket), or answer after holdMs
	 * (default 35 s) if it is still waiting; 'reset': destroy the socket.
	 */
	commitThenTimeoutMode?: 'hold' | 'reset';
	holdMs?: number;
	/** Share (0..1) of write operations that fail with `failBeforeCommitStatus` and store nothing. */
	failBeforeCommit?: number;
	failBeforeCommitStatus?: 500 | 503;
	/** Batch calls fail after committing items 0..index-1 (0-based index of the first failing item). */
	failMidBatchAt?: number;
	/** How a mid-batch failure answers: 500 with partial results, or 504 with no body. */
	failMidBatchMode?: 'partial500' | '504';
	/** Share (0..1) of requests answered with the ERP's throttle signal (e.g. 429 + Retry-After). */
	throttle?: number;
	retryAfterSeconds?: number;
	/** A 429 without Retry-After (many gateways send none): the header is taken off every 429. */
	omitRetryAfter?: boolean;
	/** Token/session lifetime in ms (expired credentials get the ERP's expiry answer). */
	tokenTtlMs?: number;
	/** Share (0..1) of requests whose socket is destroyed before anything is processed. */
	dropConnection?: number;
	/** Share (0..1) of writes that commit late (after the answer): see HostileWriteFault. */
	lateCommit?: number;
	/** Delay between the request and the late commit, ms (uniform in [min, max]; default 0..2000). */
	lateCommitMinMs?: number;
	lateCommitMaxMs?: number;
	/** A late batch commits its invoices one by one, this far apart (default 0). */
	lateCommitItemMs?: number;
	/** Share (0..1) of writes answered 502/503/504 by a gateway after forwarding. */
	gateway5xx?: number;
	/** Share (0..1) of those the ERP committed nevertheless (default 0.5). */
	gatewayCommitShare?: number;
	/** Statuses the gateway picks from (default 502, 503, 504). */
	gatewayStatuses?: Array<502 | 503 | 504>;
	/** Share (0..1) of single creates answered "already exists" without an id, nothing stored. */
	existsWithoutId?: number;
	/** Share (0..1) of single creates answered "already exists" because of another record, nothing stored. */
	existsOtherRecord?: number;
	/** Searches and lists see a commit only this long (sandbox clock, ms) after it happened; reads by id at once. */
	lookupLagMs?: number;
	/** Explicit schedule: the Nth (1-based) write request gets this fault, whatever the shares say. */
	schedule?: Array<{ write: number; fault: Exclude<FaultKind, 'latency' | 'tokenExpiry'> }>;
	/** ERP-specific switches (e.g. erply `inProgressCode`: 1204 | 1205; mendix `mode`: 'checkFirst' | 'constraintOnly'). */
	options?: Record<string, unknown>;
}

export interface SimRequest {
	method: string;
	/** Path below the simulator's prefix, without the query string, e.g. `/ICS/api/v1/invoices`. */
	path: string;
	query: URLSearchParams;
	/** Header names in lower case. */
	headers: Record<string, string>;
	rawBody: Buffer;
	text: string;
	/** Parsed when the body is JSON. */
	json?: unknown;
	/** Parsed when the body is form-encoded. */
	form?: URLSearchParams;
}

export interface SimResponse {
	status: number;
	headers?: Record<string, string>;
	/** An object/array is sent as JSON; a string as is; undefined sends no body. */
	body?: unknown;
	/**
	 * What the core does after the simulator committed: answer normally (default), hold the
	 * response for `holdMs` then answer, or destroy the socket without answering.
	 */
	delivery?: 'normal' | 'hold' | 'reset';
}

/** Decisions a simulator asks the core for; deterministic for a given seed and request sequence. */
export interface FaultDecider {
	/** Called once per write operation (create, batch, save…); tells which fault, if any, applies. */
	nextWrite(): 'commitThenTimeout' | 'failBeforeCommit' | 'failMidBatch' | 'throttle' | 'dropConnection' | HostileWriteFault | undefined;
	/** Called for reads and auth; only throttle/dropConnection apply. */
	nextRead(): 'throttle' | 'dropConnection' | undefined;
	config(): FaultConfig;
	/** Seeded random in [0, 1). */
	random(): number;
	/** Seeded random in [0, 1) from a separate stream, for a hostile fault's details (falls back to random). */
	detail?(): number;
}

export interface StoredInvoice {
	/** The ERP's id (Infor id, Dataverse GUID, FreeAgent URL, Erply invoiceID, Mendix invoiceId). */
	id: string;
	/** The field the package uses as reference on this ERP (externalReference, reference, customReferenceNumber, transactionId…). */
	reference: string;
	invoiceNumber?: string;
	invoiceDate?: string;
	amount?: number;
	createdAt: string;
	raw: Record<string, unknown>;
}

export interface ErpTruth {
	invoices: StoredInvoice[];
	countByReference: Record<string, number>;
	/** References stored more than once. */
	duplicates: string[];
}

export interface SimContext {
	faults: FaultDecider;
	/** Sandbox clock (ms); tests may advance it to expire tokens without waiting. */
	now(): number;
	/** Base URL of this simulator as the client sees it, e.g. `http://127.0.0.1:4100/infor`. */
	baseUrl: string;
	/** Set on a late commit's deferred run: ms between the commits of a batch's invoices. */
	commitPaceMs?: number;
}

export interface Simulator {
	readonly erp: SandboxErp;
	handle(req: SimRequest, ctx: SimContext): Promise<SimResponse> | SimResponse;
	truth(): ErpTruth;
	reset(): void;
	/**
	 * The ERP's own "already exists" answer to a single create, for the `exists…` faults: with
	 * `otherId` when the ERP names the record it matched; undefined where that fault does not apply
	 * (a batch call). Optional: without it those faults pass and the write runs normally.
	 */
	existsAnswer?(req: SimRequest, ctx: SimContext, otherId?: string): SimResponse | undefined;
}
