import type { IDataObject } from 'n8n-workflow';

/** The `erp` parameter's values (public contract: never rename). */
export type ErpName = 'inforIcs' | 'dynamics365' | 'freeAgent' | 'erply' | 'mendix' | 'genericRest';

/** What every ERP answer is reduced to; the engine acts on the outcome only, never on an ERP's status codes. */
export type PostOutcome = 'created' | 'exists' | 'retryable' | 'ambiguous' | 'permanent';

export interface InvoiceLine {
	description: string;
	quantity: number;
	unitPrice: number;
	taxCode?: string;
}

/** The canonical invoice an item carries; adapters map it to each ERP's body. */
export interface CanonicalInvoice {
	invoiceNumber: string;
	externalReference?: string;
	invoiceDate: string;
	dueDate?: string;
	currency: string;
	amount: number;
	customerId?: string;
	vendorAccount?: string;
	contactUrl?: string;
	customerName?: string;
	transactionId?: string;
	lines?: InvoiceLine[];
	/** Merged verbatim into the ERP's body, for what the canonical model lacks. */
	erpFields?: IDataObject;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export interface HttpRequest {
	method: HttpMethod;
	url: string;
	headers?: Record<string, string>;
	qs?: Record<string, string | number | boolean>;
	/** An object is sent as JSON, unless `form` is set; a string is sent as is. */
	body?: IDataObject | string;
	/** Send `body` form-encoded (Erply, token endpoints). */
	form?: boolean;
	timeoutMs?: number;
}

export interface HttpResponse {
	kind: 'response';
	status: number;
	/** Header names in lower case. */
	headers: Record<string, string>;
	/** Parsed JSON when the body was JSON, otherwise the text (or undefined when empty). */
	body: unknown;
}

/**
 * The request did not produce an HTTP answer. `sent` says whether the request may have reached the
 * ERP (a timeout or a reset after sending: the write may be committed) or surely did not (refused).
 */
export interface TransportFailure {
	kind: 'failure';
	code: 'timeout' | 'reset' | 'refused' | 'other';
	message: string;
	sent: boolean;
}

export type HttpResult = HttpResponse | TransportFailure;

/**
 * How adapters reach their ERP. Implemented once over `this.helpers.httpRequestWithAuthentication`
 * (nodes/shared/erp/transport.ts). Never throws for an HTTP status or a network failure: those come
 * back as results for `classify`. A 401 has already been retried once after re-authentication.
 */
export interface ErpTransport {
	send(request: HttpRequest): Promise<HttpResult>;
	/**
	 * The n8n credential this transport speaks for (its id, when saved), so per-credential state such
	 * as Erply's session cache is never shared between two credentials.
	 */
	readonly credentialId?: string;
}

/** Everything an adapter may read: the transport, the decrypted credential, the node's ERP settings. */
export interface ErpContext {
	transport: ErpTransport;
	credentials: IDataObject;
	/** ERP-specific node settings (e.g. generic REST paths, Dataverse entity set), already resolved. */
	settings: IDataObject;
	requestTimeoutMs: number;
}

export interface PostAttempt {
	key: string;
	reference: string;
	invoice: CanonicalInvoice;
	/** Header to send on the create, when the user did not empty its name. */
	idempotencyHeader?: { name: string; value: string };
}

export interface PostResult {
	outcome: PostOutcome;
	/** The ERP's id of the invoice (for `created`, and for `exists` when the ERP said which). */
	erpId?: string;
	httpStatus?: number;
	/** The ERP's own message, for Failed output and the ledger's error (never a secret). */
	message?: string;
	/** From `Retry-After` or the ERP's equivalent. */
	retryAfterMs?: number;
	/** Absolute time before which a retry is pointless (e.g. Erply's hourly quota: the next hour). */
	retryNotBefore?: number;
	/** The ERP's answer for this invoice, kept small (ids, numbers, status). */
	response?: IDataObject;
}

/**
 * A record the ERP holds under a reference. Before the engine adopts it as an invoice's, every field
 * given here is compared with the canonical invoice's field of the same name (nodes/shared/posting/match.ts):
 * fill a field only with what corresponds to it (the number the invoice was posted with, its total in the
 * invoice's `amount` sense, its date), and leave out what the ERP does not hold.
 */
export interface FoundInvoice {
	reference: string;
	erpId: string;
	invoiceNumber?: string;
	invoiceDate?: string;
	amount?: number;
	/** ISO 4217 code, when the ERP returned it (compared with the invoice before a found record is adopted). */
	currency?: string;
	/** The customer/vendor/contact the ERP holds the invoice for, in the form the canonical invoice names it
	 * (`customerId`, `vendorAccount` or `contactUrl`), when the ERP returned it. */
	party?: string;
}

export interface ErpCapabilities {
	/**
	 * The ERP itself refuses a second invoice with the same reference/key **by default**, as its own
	 * documentation says (then no pre-post lookup is needed). Each adapter cites its source.
	 */
	nativeUniqueness: boolean;
	/** Largest batch `createBatch` accepts; undefined when the ERP has no batch call. */
	maxBatchSize?: number;
	/** A hard cap whatever the node's `concurrency` says (FreeAgent: 1 per account). */
	maxConcurrency?: number;
	/** How many references one `findByReferences` call should carry at most. */
	lookupChunkSize: number;
	/** Canonical fields this ERP cannot do without (checked per item before anything is posted). */
	requiredFields?: Array<'customerId' | 'vendorAccount' | 'contactUrl' | 'transactionId'>;
	/**
	 * How long, after an ambiguous create (timeout, reset, gateway 5xx), the ERP may still commit it — the
	 * time its own gateway keeps working after the client gave up. "Absent" read earlier proves nothing.
	 * Only used on ERPs without native uniqueness; the Post node's `settleSeconds` overrides it. Absent: the
	 * engine's fallback (DEFAULT_SETTLE_MS in nodes/shared/posting/settle.ts).
	 */
	settleMs?: number;
}

export interface LookupHint {
	/** The invoices behind the references (for ERPs that look up by number, date range or transaction id). */
	invoices?: Map<string, CanonicalInvoice>;
	lookbackDays: number;
}

export interface ErpAdapter {
	readonly erp: ErpName;
	readonly credentialType: string;
	capabilities(ctx: ErpContext): ErpCapabilities;
	/** Map the canonical invoice, post it once, and classify the answer. */
	create(ctx: ErpContext, attempt: PostAttempt): Promise<PostResult>;
	/** One result per attempt, in order; any invoice the answer does not account for is `ambiguous`. */
	createBatch?(ctx: ErpContext, attempts: PostAttempt[]): Promise<PostResult[]>;
	/** Every invoice the ERP holds for each reference (several = duplicates). Throws `ErpLookupError` when it cannot tell. */
	findByReferences(ctx: ErpContext, references: string[], hint: LookupHint): Promise<Map<string, FoundInvoice[]>>;
	/** Every invoice dated within the range (inclusive, `YYYY-MM-DD`), for reconciliation. */
	listRange?(ctx: ErpContext, range: { from: string; to: string }): Promise<FoundInvoice[]>;
	/**
	 * The customer / vendor / contact of the invoice in the form this ERP's lookups report it as
	 * `FoundInvoice.party` (a FreeAgent contact URL, a Dataverse vendor account…), so a record found by
	 * reference can be told apart from another party's invoice with the same reference. Undefined: not compared.
	 */
	partyOf?(ctx: ErpContext, invoice: CanonicalInvoice): string | undefined;
	/** Why this reference can never be sent to this ERP (e.g. it would escape a URL path), or undefined. */
	referenceProblem?(ctx: ErpContext, reference: string): string | undefined;
	/** Reduce one answer to an outcome (created, exists, retryable, ambiguous, permanent). */
	classify(result: HttpResult): PostResult;
}

/** A lookup that could not give an answer: the caller must not treat the reference as absent. */
export class ErpLookupError extends Error {
	constructor(
		message: string,
		readonly retryable: boolean,
	) {
		super(message);
		this.name = 'ErpLookupError';
	}
}
