import {
	afterCommitDelivery,
	asRecord,
	basicCredentials,
	bearerToken,
	failBeforeCommitStatus,
	midBatchFailureIndex,
	option,
	retryAfterSeconds,
} from '../../core/responses';
import { commitPace, noteCommit, visible } from '../../core/hostile';
import { summariseTruth } from '../../core/truth';
import type { FaultConfig, SimContext, SimRequest, SimResponse, Simulator, StoredInvoice } from '../../core/types';
import { SlidingWindowLimit } from '../freeagent/sliding-window';
import type { BatchItem, BatchOperation, BatchResultItem, OperationResult } from './multipart';
import { BatchFormatError, boundaryOf, parseBatch, serializeBatchResponse } from './multipart';
import type { ODataLiteral } from './odata';
import { ODataSyntaxError, literalsEqual, matchesFilter, parseFilter, parseKeyPredicate } from './odata';

/**
 * Dynamics 365 / Dataverse Web API: an Entra ID client-credentials token endpoint
 * at `{base}/{tenantId}/oauth2/v2.0/token` and the OData service at `{base}/api/data/v9.2/`.
 */

const API_ROOT = '/api/data/v9.2/';
const MAX_BATCH_OPERATIONS = 1000;
const ODATA_HEADERS = { 'OData-Version': '4.0' };
const ERROR_HEADERS = { ...ODATA_HEADERS, 'Content-Type': 'application/json; odata.metadata=minimal' };

/** Dataverse error codes the simulator answers with (hex as the Web API prints them). */
const CODES = {
	duplicateRecord: '0x80040237',
	duplicateKey: '0x80060892',
	duplicateRule: '0x80040333',
	notFound: '0x80040217',
	badPayload: '0x80048d19',
	querySyntax: '0x80060888',
	invalidArgument: '0x80040203',
	unexpected: '0x80040216',
	requestLimit: '0x80072322',
} as const;

interface Settings {
	tenantId: string;
	clientId: string;
	clientSecret: string;
	referenceField: string;
	uniqueFields: string[];
	/** false: the table has no alternate key, so addressing a record by one is refused (400). */
	alternateKeys: boolean;
	caseInsensitive: boolean;
	rateLimitPerWindow: number;
	windowMs: number;
	dateField: string;
	amountField: string;
	tokenTtlMs: number;
}

function settingsOf(config: FaultConfig): Settings {
	return {
		tenantId: option(config, 'tenantId', 'sandbox-tenant'),
		clientId: option(config, 'clientId', 'sandbox-client'),
		clientSecret: option(config, 'clientSecret', 'sandbox-secret'),
		referenceField: option(config, 'referenceField', 'ExternalReference'),
		uniqueFields: option(config, 'uniqueFields', ['VendorAccount', 'InvoiceNumber']),
		alternateKeys: option(config, 'alternateKeys', true),
		// SQL Server's default collation: 'inv-1' and 'INV-1' are the same key and match the same filter.
		caseInsensitive: option(config, 'caseInsensitive', true),
		rateLimitPerWindow: option(config, 'rateLimitPerWindow', 6000),
		windowMs: option(config, 'windowMs', 300_000),
		dateField: option(config, 'dateField', 'InvoiceDate'),
		amountField: option(config, 'amountField', 'Amount'),
		tokenTtlMs: config.tokenTtlMs ?? 3_600_000,
	};
}

interface DataverseRecord {
	id: string;
	entitySet: string;
	fields: Record<string, unknown>;
	createdAt: string;
	version: number;
	/** Ground-truth fields, fixed when the record is written (truth() has no config at hand). */
	truth: Pick<StoredInvoice, 'reference' | 'invoiceNumber' | 'invoiceDate' | 'amount'>;
}

/** One request to the OData service, whether it arrived alone or as a `$batch` part. */
interface ODataOperation {
	method: string;
	/** Below `/api/data/v9.2/`, still percent-encoded. */
	resource: string;
	query: URLSearchParams;
	headers: Record<string, string>;
	body: string;
	contentId?: string;
}

export function createDataverseSimulator(): Simulator {
	return new DataverseSimulator();
}

class DataverseSimulator implements Simulator {
	readonly erp = 'dataverse' as const;
	private records: DataverseRecord[] = [];
	private readonly tokens = new Map<string, { expiresAt: number; clientId: string }>();
	private readonly requestLimit = new SlidingWindowLimit();
	private idCounter = 0;
	private tokenCounter = 0;
	private batchCounter = 0;

	demoCredentials(baseUrl: string): Record<string, unknown> {
		return {
			environmentUrl: baseUrl,
			tenantId: 'sandbox-tenant',
			clientId: 'sandbox-client',
			clientSecret: 'sandbox-secret',
			tokenUrl: `${baseUrl}/sandbox-tenant/oauth2/v2.0/token`,
		};
	}

	truth() {
		return summariseTruth(this.records.map((record) => this.toStoredInvoice(record)));
	}

	/**
	 * A duplicate-detection rule's answer (0x80040333, 412): it may have matched a record that is not
	 * this invoice, and it never names the record. Not for `$batch` (its parts answer on their own).
	 */
	existsAnswer(req: SimRequest): SimResponse | undefined {
		if (req.path.endsWith('$batch')) return undefined;
		return odataError(412, CODES.duplicateRule, 'A record was not created or updated because a duplicate of the current record already exists.');
	}

	reset(): void {
		this.records = [];
		this.tokens.clear();
		this.requestLimit.reset();
		this.idCounter = 0;
		this.tokenCounter = 0;
		this.batchCounter = 0;
	}

	handle(req: SimRequest, ctx: SimContext): SimResponse | Promise<SimResponse> {
		const settings = settingsOf(ctx.faults.config());
		const tokenRoute = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(req.path);
		if (tokenRoute && req.method === 'POST') return this.issueToken(req, ctx, settings, decodeURIComponent(tokenRoute[1]));
		if (!req.path.startsWith(API_ROOT)) return odataError(404, CODES.notFound, `Resource not found for the segment '${req.path}'.`);

		const clientId = this.authenticate(req, ctx);
		if (typeof clientId !== 'string') return clientId;
		const resource = req.path.slice(API_ROOT.length);

		if (resource === '$batch' && req.method === 'POST') return this.batch(req, ctx, settings, clientId);

		const limited = this.takeRequests(clientId, 1, ctx, settings);
		if (limited) return limited;
		const isRead = req.method === 'GET';
		const fault = isRead ? ctx.faults.nextRead() : ctx.faults.nextWrite();
		if (fault === 'throttle') return throttled(retryAfterSeconds(ctx.faults.config()), settings);
		if (fault === 'failBeforeCommit') return failedBeforeCommit(ctx.faults.config());

		const result = this.execute(
			{ method: req.method, resource, query: req.query, headers: req.headers, body: req.text },
			ctx,
			settings,
		);
		return { status: result.status, headers: result.headers, body: result.body, delivery: afterCommitDelivery(fault, ctx.faults.config()) };
	}

	// ---- auth ----

	private issueToken(req: SimRequest, ctx: SimContext, settings: Settings, tenantId: string): SimResponse {
		if (ctx.faults.nextRead() === 'throttle') {
			return {
				status: 429,
				headers: { 'Retry-After': String(retryAfterSeconds(ctx.faults.config())) },
				body: { error: 'temporarily_unavailable', error_description: 'AADSTS50196: The server terminated an operation because it encountered a client request loop.' },
			};
		}
		if (tenantId !== settings.tenantId) {
			return tokenError(400, 'invalid_request', `AADSTS90002: Tenant '${tenantId}' not found.`);
		}
		const form = req.form ?? new URLSearchParams();
		if (form.get('grant_type') !== 'client_credentials') {
			return tokenError(400, 'unsupported_grant_type', 'AADSTS70003: The app requested an unsupported grant type.');
		}
		const basic = basicCredentials(req);
		const clientId = basic?.user ?? form.get('client_id') ?? '';
		const clientSecret = basic?.password ?? form.get('client_secret') ?? '';
		if (clientId !== settings.clientId) {
			return tokenError(400, 'unauthorized_client', `AADSTS700016: Application with identifier '${clientId}' was not found in the directory '${tenantId}'.`);
		}
		if (clientSecret !== settings.clientSecret) {
			return tokenError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.');
		}
		const expectedScope = `${ctx.baseUrl}/.default`;
		const scope = form.get('scope') ?? '';
		if (scope !== expectedScope && scope !== `${ctx.baseUrl}//.default`) {
			return tokenError(400, 'invalid_scope', `AADSTS70011: The provided request must include a 'scope' input parameter; the resource of this environment is '${expectedScope}'.`);
		}
		this.tokenCounter += 1;
		const accessToken = `dv-${this.tokenCounter.toString(16).padStart(6, '0')}-${tenantId.length.toString(16)}sandbox`;
		this.tokens.set(accessToken, { expiresAt: ctx.now() + settings.tokenTtlMs, clientId });
		const expiresIn = Math.round(settings.tokenTtlMs / 1000);
		return { status: 200, body: { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: accessToken } };
	}

	/** The client id behind a valid bearer token, or the 401 Dataverse answers. */
	private authenticate(req: SimRequest, ctx: SimContext): string | SimResponse {
		const token = bearerToken(req);
		const known = token === undefined ? undefined : this.tokens.get(token);
		if (!known) return unauthorized(ctx, 'The access token is missing or invalid.');
		if (known.expiresAt <= ctx.now()) return unauthorized(ctx, 'The access token expired.');
		return known.clientId;
	}

	private takeRequests(clientId: string, count: number, ctx: SimContext, settings: Settings): SimResponse | undefined {
		for (let taken = 0; taken < count; taken += 1) {
			const waitMs = this.requestLimit.take(clientId, ctx.now(), settings.rateLimitPerWindow, settings.windowMs);
			if (waitMs !== undefined) return throttled(Math.ceil(waitMs / 1000), settings);
		}
		return undefined;
	}

	// ---- $batch ----

	private async batch(req: SimRequest, ctx: SimContext, settings: Settings, clientId: string): Promise<SimResponse> {
		const boundary = boundaryOf(req.headers['content-type']);
		if (!boundary) return odataError(400, CODES.badPayload, "A $batch request needs 'Content-Type: multipart/mixed; boundary=…'.");
		let items: BatchItem[];
		try {
			items = parseBatch(req.text, boundary);
		} catch (error) {
			if (error instanceof BatchFormatError) return odataError(400, CODES.badPayload, error.message);
			throw error;
		}
		const operationCount = items.reduce((sum, item) => sum + (item.kind === 'operation' ? 1 : item.operations.length), 0);
		if (operationCount > MAX_BATCH_OPERATIONS) {
			return odataError(400, CODES.invalidArgument, `The number of requests in a batch (${operationCount}) exceeds the maximum of ${MAX_BATCH_OPERATIONS}.`);
		}
		// Service protection counts every request inside the batch, not the batch as one.
		const limited = this.takeRequests(clientId, Math.max(1, operationCount), ctx, settings);
		if (limited) return limited;
		const config = ctx.faults.config();
		const fault = ctx.faults.nextWrite();
		if (fault === 'throttle') return throttled(retryAfterSeconds(config), settings);
		if (fault === 'failBeforeCommit') return failedBeforeCommit(config);

		const failAt = midBatchFailureIndex(fault, config, operationCount);
		const continueOnError = /\bodata\.continue-on-error\b(?!\s*=\s*false)/i.test(req.headers.prefer ?? '');
		const results: BatchResultItem[] = [];
		let position = 0;
		let stoppedByError = false;

		for (const item of items) {
			await commitPace(ctx);
			if (item.kind === 'operation') {
				if (position === failAt) return midBatchFailure(config);
				const result = this.execute(this.operationFrom(item.operation, ctx), ctx, settings);
				position += 1;
				results.push({ kind: 'operation', result });
				if (result.status >= 400 && !continueOnError) {
					stoppedByError = true;
					break;
				}
				continue;
			}
			// A changeset is atomic: any failure (or the injected crash) puts the store back as it was.
			const before = this.snapshot();
			const changeResults: OperationResult[] = [];
			let failed: OperationResult | undefined;
			for (const operation of item.operations) {
				if (position === failAt) {
					this.records = before;
					return midBatchFailure(config);
				}
				const result = this.execute(this.operationFrom(operation, ctx), ctx, settings);
				position += 1;
				if (result.status >= 400) {
					failed = result;
					break;
				}
				changeResults.push(result);
			}
			if (failed) {
				this.records = before;
				position += item.operations.length - changeResults.length - 1;
				// Dataverse answers a failed changeset with the failing request's response only.
				results.push({ kind: 'changeset', results: [failed] });
				if (!continueOnError) {
					stoppedByError = true;
					break;
				}
				continue;
			}
			results.push({ kind: 'changeset', results: changeResults });
		}

		this.batchCounter += 1;
		const responseBoundary = `batchresponse_${sandboxGuid(this.batchCounter, 'b')}`;
		const body = serializeBatchResponse(results, responseBoundary, (index) => `changesetresponse_${sandboxGuid(this.batchCounter * 1000 + index, 'c')}`);
		const headers: Record<string, string> = { ...ODATA_HEADERS, 'Content-Type': `multipart/mixed; boundary=${responseBoundary}` };
		if (continueOnError) headers['Preference-Applied'] = 'odata.continue-on-error';
		return { status: stoppedByError ? 400 : 200, headers, body, delivery: afterCommitDelivery(fault, config) };
	}

	private operationFrom(operation: BatchOperation, ctx: SimContext): ODataOperation {
		const { resource, query } = resolveBatchTarget(operation.target, ctx.baseUrl);
		return { method: operation.method, resource, query, headers: operation.headers, body: operation.body, contentId: operation.contentId };
	}

	private snapshot(): DataverseRecord[] {
		return this.records.map((record) => ({ ...record, fields: { ...record.fields } }));
	}

	// ---- entity operations ----

	private execute(operation: ODataOperation, ctx: SimContext, settings: Settings): OperationResult {
		const result = this.route(operation, ctx, settings);
		return { ...result, contentId: operation.contentId };
	}

	private route(operation: ODataOperation, ctx: SimContext, settings: Settings): OperationResult {
		const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/s.exec(operation.resource);
		if (!match) return odataResult(404, CODES.notFound, `Resource not found for the segment '${operation.resource}'.`);
		const entitySet = match[1];
		let key: ReturnType<typeof parseKeyPredicate> | undefined;
		if (match[2] !== undefined) {
			try {
				key = parseKeyPredicate(decodeURIComponent(match[2]));
			} catch (error) {
				if (error instanceof ODataSyntaxError || error instanceof URIError) {
					return odataResult(400, CODES.querySyntax, `Bad key predicate in '${operation.resource}': ${error.message}`);
				}
				throw error;
			}
		}
		const method = operation.method.toUpperCase();
		if (key && 'alternateKey' in key && !settings.alternateKeys) {
			return odataResult(400, CODES.invalidArgument, `The key specified in '${operation.resource}' is not defined as an alternate key of ${entitySet}.`);
		}
		if (!key && method === 'GET') return this.query(entitySet, operation, ctx, settings);
		if (!key && method === 'POST') return this.create(entitySet, operation, ctx, settings);
		if (key && method === 'GET') return this.retrieve(entitySet, key, ctx, settings);
		if (key && method === 'PATCH') return this.upsert(entitySet, key, operation, ctx, settings);
		if (key && method === 'DELETE') return this.remove(entitySet, key, settings);
		return odataResult(405, CODES.invalidArgument, `The HTTP method '${method}' is not supported on '${operation.resource}'.`);
	}

	private query(entitySet: string, operation: ODataOperation, ctx: SimContext, settings: Settings): OperationResult {
		const filterText = operation.query.get('$filter');
		let matches = visible(this.records, ctx).filter((record) => record.entitySet === entitySet);
		if (filterText !== null) {
			try {
				const filter = parseFilter(filterText);
				matches = matches.filter((record) => matchesFilter(record.fields, filter, settings.caseInsensitive));
			} catch (error) {
				if (error instanceof ODataSyntaxError) return odataResult(400, CODES.querySyntax, `Invalid $filter: ${error.message}`);
				throw error;
			}
		}
		const topText = operation.query.get('$top');
		if (topText !== null) {
			if (!/^\d+$/.test(topText)) return odataResult(400, CODES.querySyntax, `Invalid value '${topText}' for $top.`);
			matches = matches.slice(0, Number(topText));
		}
		const select = selectedFields(operation.query.get('$select'));
		const context = `${ctx.baseUrl}${API_ROOT}$metadata#${entitySet}${select ? `(${select.join(',')})` : ''}`;
		return {
			status: 200,
			headers: { ...ODATA_HEADERS, 'Content-Type': 'application/json; odata.metadata=minimal' },
			body: { '@odata.context': context, value: matches.map((record) => representation(record, select)) },
		};
	}

	private retrieve(entitySet: string, key: ReturnType<typeof parseKeyPredicate>, ctx: SimContext, settings: Settings): OperationResult {
		const record = this.findByKey(entitySet, key, settings);
		if (!record) return notFound(entitySet, key);
		return {
			status: 200,
			headers: { ...ODATA_HEADERS, 'Content-Type': 'application/json; odata.metadata=minimal' },
			body: { '@odata.context': `${ctx.baseUrl}${API_ROOT}$metadata#${entitySet}/$entity`, ...representation(record) },
		};
	}

	private create(entitySet: string, operation: ODataOperation, ctx: SimContext, settings: Settings): OperationResult {
		const fields = parseBody(operation.body);
		if (!fields) return odataResult(400, CODES.badPayload, 'Error identified in Payload provided by the user: the body must be a JSON object.');
		const duplicate = this.findDuplicate(entitySet, fields, settings);
		if (duplicate) return duplicate;
		const record = this.insert(entitySet, fields, ctx, settings);
		return this.written(record, operation, ctx, 201);
	}

	private upsert(
		entitySet: string,
		key: ReturnType<typeof parseKeyPredicate>,
		operation: ODataOperation,
		ctx: SimContext,
		settings: Settings,
	): OperationResult {
		const fields = parseBody(operation.body);
		if (!fields) return odataResult(400, CODES.badPayload, 'Error identified in Payload provided by the user: the body must be a JSON object.');
		const existing = this.findByKey(entitySet, key, settings);
		if (existing && operation.headers['if-none-match']?.trim() === '*') {
			return odataResult(412, CODES.duplicateKey, 'A record with matching key values already exists.');
		}
		if (!existing && operation.headers['if-match']?.trim() === '*') return notFound(entitySet, key);
		if (existing) {
			const merged = { ...existing.fields, ...fields };
			const duplicate = this.findDuplicate(entitySet, merged, settings, existing);
			if (duplicate) return duplicate;
			existing.fields = merged;
			existing.version += 1;
			existing.truth = truthOf(existing, settings);
			return this.written(existing, operation, ctx, 200);
		}
		// The key's values become the new record's fields, as Dataverse does for an upsert by alternate key.
		const keyFields = 'alternateKey' in key ? key.alternateKey : {};
		const newFields = { ...fields, ...keyFields };
		const duplicate = this.findDuplicate(entitySet, newFields, settings);
		if (duplicate) return duplicate;
		const record = this.insert(entitySet, newFields, ctx, settings, 'id' in key ? key.id : undefined);
		return this.written(record, operation, ctx, 201);
	}

	private remove(entitySet: string, key: ReturnType<typeof parseKeyPredicate>, settings: Settings): OperationResult {
		const record = this.findByKey(entitySet, key, settings);
		if (!record) return notFound(entitySet, key);
		this.records = this.records.filter((candidate) => candidate !== record);
		return { status: 204, headers: { ...ODATA_HEADERS } };
	}

	/** 204 + `OData-EntityId`, or the representation when the client asked for it. */
	private written(record: DataverseRecord, operation: ODataOperation, ctx: SimContext, representationStatus: 200 | 201): OperationResult {
		const entityId = `${ctx.baseUrl}${API_ROOT}${record.entitySet}(${record.id})`;
		const headers = { ...ODATA_HEADERS, 'OData-EntityId': entityId };
		if (/\breturn=representation\b/i.test(operation.headers.prefer ?? '')) {
			return {
				status: representationStatus,
				headers: { ...headers, 'Content-Type': 'application/json; odata.metadata=minimal', 'Preference-Applied': 'return=representation' },
				body: { '@odata.context': `${ctx.baseUrl}${API_ROOT}$metadata#${record.entitySet}/$entity`, ...representation(record) },
			};
		}
		return { status: 204, headers };
	}

	private insert(entitySet: string, fields: Record<string, unknown>, ctx: SimContext, settings: Settings, id?: string): DataverseRecord {
		this.idCounter += 1;
		const record: DataverseRecord = {
			id: id ?? sandboxGuid(this.idCounter, 'e'),
			entitySet,
			fields: { ...fields },
			createdAt: new Date(ctx.now()).toISOString(),
			version: 1,
			truth: { reference: '' },
		};
		record.truth = truthOf(record, settings);
		this.records.push(noteCommit(record, ctx));
		return record;
	}

	private findByKey(entitySet: string, key: ReturnType<typeof parseKeyPredicate>, settings: Settings): DataverseRecord | undefined {
		return this.records.find((record) => {
			if (record.entitySet !== entitySet) return false;
			if ('id' in key) return record.id === key.id;
			return Object.entries(key.alternateKey).every(([field, value]) => literalsEqual(record.fields[field], value, settings.caseInsensitive));
		});
	}

	/** 409 when another record of the set has the same unique-field values (the seed's DuplicateRecord). */
	private findDuplicate(entitySet: string, fields: Record<string, unknown>, settings: Settings, self?: DataverseRecord): OperationResult | undefined {
		// No rule configured (`uniqueFields: []`): Dataverse stores any number of equal records.
		if (settings.uniqueFields.length === 0) return undefined;
		const values = settings.uniqueFields.map((field) => fields[field]);
		if (values.some((value) => value === undefined || value === null)) return undefined;
		const clash = this.records.find(
			(record) =>
				record !== self &&
				record.entitySet === entitySet &&
				settings.uniqueFields.every((field, index) =>
					literalsEqual(record.fields[field], values[index] as ODataLiteral, settings.caseInsensitive),
				),
		);
		if (!clash) return undefined;
		return odataResult(
			409,
			CODES.duplicateRecord,
			`DuplicateRecord: a record with the same ${settings.uniqueFields.join(' and ')} already exists. Cannot insert duplicate key.`,
		);
	}

	private toStoredInvoice(record: DataverseRecord): StoredInvoice {
		return { id: record.id, ...record.truth, createdAt: record.createdAt, raw: { entitySet: record.entitySet, ...record.fields } };
	}
}

// ---- helpers ----

function truthOf(record: DataverseRecord, settings: Settings): DataverseRecord['truth'] {
	const text = (field: string) => {
		const value = record.fields[field];
		return typeof value === 'string' && value !== '' ? value : undefined;
	};
	const amount = record.fields[settings.amountField];
	return {
		reference: text(settings.referenceField) ?? text('InvoiceNumber') ?? record.id,
		invoiceNumber: text('InvoiceNumber'),
		invoiceDate: text(settings.dateField),
		amount: typeof amount === 'number' ? amount : undefined,
	};
}

/** Deterministic, GUID-shaped ids: the same request sequence gives the same ids. */
function sandboxGuid(counter: number, kind: 'e' | 'b' | 'c'): string {
	const tail = counter.toString(16).padStart(12, '0');
	const head = { e: '5a9d0000', b: 'ba7c0000', c: 'c5e70000' }[kind];
	return `${head}-0000-4000-8000-${tail}`;
}

function resolveBatchTarget(target: string, baseUrl: string): { resource: string; query: URLSearchParams } {
	const basePath = new URL(baseUrl).pathname.replace(/\/$/, '');
	let path = target;
	if (/^https?:\/\//i.test(path)) {
		const url = new URL(path);
		path = url.pathname + url.search;
	}
	if (path.startsWith(basePath + '/')) path = path.slice(basePath.length);
	if (path.startsWith(API_ROOT)) path = path.slice(API_ROOT.length);
	else if (path.startsWith('/')) path = path.slice(1);
	const question = path.indexOf('?');
	return question < 0
		? { resource: path, query: new URLSearchParams() }
		: { resource: path.slice(0, question), query: new URLSearchParams(path.slice(question + 1)) };
}

function parseBody(text: string): Record<string, unknown> | undefined {
	try {
		return asRecord(JSON.parse(text));
	} catch {
		return undefined;
	}
}

function selectedFields(select: string | null): string[] | undefined {
	if (select === null) return undefined;
	return select
		.split(',')
		.map((field) => field.trim())
		.filter((field) => field !== '');
}

function primaryIdField(entitySet: string): string {
	return `${entitySet.toLowerCase().replace(/s$/, '')}id`;
}

function representation(record: DataverseRecord, select?: string[]): Record<string, unknown> {
	const fields = select
		? Object.fromEntries(select.filter((field) => field in record.fields).map((field) => [field, record.fields[field]]))
		: { ...record.fields, createdon: record.createdAt };
	return { '@odata.etag': `W/"${record.version}"`, [primaryIdField(record.entitySet)]: record.id, ...fields };
}

function odataResult(status: number, code: string, message: string): OperationResult {
	return { status, headers: { ...ERROR_HEADERS }, body: { error: { code, message } } };
}

function odataError(status: number, code: string, message: string): SimResponse {
	return odataResult(status, code, message);
}

function notFound(entitySet: string, key: ReturnType<typeof parseKeyPredicate>): OperationResult {
	const entity = primaryIdField(entitySet).replace(/id$/, '');
	const message =
		'id' in key
			? `${entity} With Id = ${key.id} Does Not Exist`
			: `A record with the specified key values does not exist in ${entity} entity`;
	return odataResult(404, CODES.notFound, message);
}

function tokenError(status: number, error: string, description: string): SimResponse {
	return { status, body: { error, error_description: description, error_codes: [Number(/AADSTS(\d+)/.exec(description)?.[1] ?? 0)] } };
}

function unauthorized(ctx: SimContext, description: string): SimResponse {
	return {
		status: 401,
		headers: {
			'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description}", authorization_uri="${ctx.baseUrl}/sandbox-tenant/oauth2/authorize"`,
		},
	};
}

function throttled(retryAfter: number, settings: Settings): SimResponse {
	return {
		status: 429,
		headers: { ...ERROR_HEADERS, 'Retry-After': String(Math.max(1, retryAfter)) },
		body: {
			error: {
				code: CODES.requestLimit,
				message: `Number of requests exceeded the limit of ${settings.rateLimitPerWindow} over time window of ${Math.round(settings.windowMs / 1000)} seconds.`,
			},
		},
	};
}

function failedBeforeCommit(config: FaultConfig): SimResponse {
	const status = failBeforeCommitStatus(config);
	if (status === 503) return odataError(503, CODES.unexpected, 'The service is temporarily unavailable. Please try again later.');
	return odataError(500, CODES.unexpected, 'An unexpected error occurred.');
}

function midBatchFailure(config: FaultConfig): SimResponse {
	if (config.failMidBatchMode === '504') return { status: 504 };
	return odataError(500, CODES.unexpected, 'An unexpected error occurred.');
}
