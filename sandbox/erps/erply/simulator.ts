import { afterCommitDelivery, failBeforeCommitStatus, option, pause } from '../../core/responses';
import { noteCommit, visible } from '../../core/hostile';
import { summariseTruth } from '../../core/truth';
import type { FaultConfig, SimContext, SimRequest, SimResponse, Simulator } from '../../core/types';

/**
 * Erply API (learn-api.erply.com): every call is a form POST to `{base}/api/` naming its `request`;
 * errors are HTTP 200 with `status.responseStatus = "error"` and a numeric `errorCode`.
 */

const UUID_MEMORY_MS = 24 * 3_600_000;
const MAX_SESSION_SECONDS = 86_400;
const MAX_RECORDS_ON_PAGE = 100;
const TEMPORARY_UUID = /^[A-Za-z0-9.-]{1,128}$/;
const DOCUMENT_TYPES = new Set(['INVWAYBILL', 'CASHINVOICE', 'WAYBILL', 'PREPAYMENT', 'OFFER', 'EXPORTINVOICE', 'RESERVATION', 'CREDITINVOICE', 'ORDER', 'INVOICE']);

/** The Erply error codes the simulator answers with. */
const ERRORS = {
	maintenance: 1000,
	quotaExceeded: 1002,
	unknownRequest: 1005,
	noSession: 1009,
	missingParameter: 1010,
	unknownId: 1011,
	badFormat: 1014,
	invalidValue: 1016,
	loginFailed: 1051,
	sessionExpired: 1054,
	sessionNotFound: 1055,
	uuidInProgress: 1205,
	uuidAlreadyUsed: 1206,
} as const;

interface Settings {
	clientCode: string;
	username: string;
	password: string;
	perHour: number;
	inProgressCode: 1204 | 1205;
	processingDelayMs: number;
	maintenance: false | 1000 | 1003 | 1008;
	customerIDs?: number[];
	tokenTtlMs?: number;
}

function settingsOf(config: FaultConfig): Settings {
	const maintenance = option<boolean | number>(config, 'maintenance', false);
	return {
		clientCode: option(config, 'clientCode', 'sandbox'),
		username: option(config, 'username', 'demo'),
		password: option(config, 'password', 'demo-password'),
		perHour: option(config, 'perHour', 1000),
		inProgressCode: option(config, 'inProgressCode', ERRORS.uuidInProgress),
		processingDelayMs: option(config, 'processingDelayMs', 0),
		maintenance: maintenance === true ? ERRORS.maintenance : maintenance === 1003 || maintenance === 1008 || maintenance === 1000 ? maintenance : false,
		customerIDs: option<number[] | undefined>(config, 'customerIDs', undefined),
		tokenTtlMs: config.tokenTtlMs,
	};
}

interface DocumentRow {
	productID?: string;
	itemName?: string;
	amount: number;
	price: number;
	vatrateID?: string;
}

interface SalesDocument {
	id: number;
	type: string;
	invoiceNo: string;
	date: string;
	time: string;
	customerID: number;
	currencyCode: string;
	customReferenceNumber: string;
	rows: DocumentRow[];
	temporaryUUID?: string;
	added: number;
}

type ErplyError = { code: number; field?: string };
type DocumentInput = Omit<SalesDocument, 'id' | 'added' | 'invoiceNo'> & { invoiceNo?: string; explicitDateTime: boolean };

export function createErplySimulator(): Simulator {
	return new ErplySimulator();
}

class ErplySimulator implements Simulator {
	readonly erp = 'erply' as const;
	private documents: SalesDocument[] = [];
	private readonly sessions = new Map<string, { expiresAt: number }>();
	private readonly temporaryUuids = new Map<string, { state: 'inFlight' | 'created'; at: number }>();
	private quota = { hour: -1, used: 0 };
	private documentCounter = 0;
	private sessionCounter = 0;

	demoCredentials(baseUrl: string): Record<string, unknown> {
		return { clientCode: 'sandbox', username: 'demo', password: 'demo-password', endpoint: `${baseUrl}/api/` };
	}

	truth() {
		return summariseTruth(
			this.documents.map((document) => ({
				id: String(document.id),
				reference: document.customReferenceNumber || document.invoiceNo,
				invoiceNumber: document.invoiceNo,
				invoiceDate: document.date,
				amount: netTotal(document),
				createdAt: new Date(document.added * 1000).toISOString(),
				raw: { ...document, rows: document.rows.map((row) => ({ ...row })) },
			})),
		);
	}

	/** Erply's "already created" (1206): the original invoiceID is never given back. */
	existsAnswer(_req: SimRequest, ctx: SimContext): SimResponse {
		return envelope('saveSalesDocument', ctx, { code: ERRORS.uuidAlreadyUsed, field: 'temporaryUUID' });
	}

	reset(): void {
		this.documents = [];
		this.sessions.clear();
		this.temporaryUuids.clear();
		this.quota = { hour: -1, used: 0 };
		this.documentCounter = 0;
		this.sessionCounter = 0;
	}

	async handle(req: SimRequest, ctx: SimContext): Promise<SimResponse> {
		if (req.path !== '/api/' && req.path !== '/api') return { status: 404, body: 'Not Found' };
		const params = new URLSearchParams(req.query);
		for (const [name, value] of req.form ?? []) params.set(name, value);
		const request = params.get('request') ?? '';
		const settings = settingsOf(ctx.faults.config());
		const answer = (result: ErplyError | Record<string, unknown>[], recordsTotal?: number) => envelope(request, ctx, result, recordsTotal);

		if (settings.maintenance) return answer({ code: settings.maintenance });
		if (!this.withinHourlyQuota(ctx, settings)) return answer({ code: ERRORS.quotaExceeded });
		if (request === 'verifyUser') {
			if (ctx.faults.nextRead() === 'throttle') return answer({ code: ERRORS.quotaExceeded });
			return answer(this.verifyUser(params, ctx, settings));
		}
		if (request !== 'saveSalesDocument' && request !== 'getSalesDocuments') return answer({ code: ERRORS.unknownRequest, field: 'request' });

		const sessionError = this.checkSession(params, ctx, settings);
		if (sessionError) return answer(sessionError);
		if (request === 'getSalesDocuments') {
			if (ctx.faults.nextRead() === 'throttle') return answer({ code: ERRORS.quotaExceeded });
			const found = this.getSalesDocuments(params, ctx);
			return 'code' in found ? answer(found) : answer(found.records, found.total);
		}
		return this.saveSalesDocument(params, ctx, settings, answer);
	}

	/** Erply's quota is per account and clock hour: once spent, every call fails until the next hour. */
	private withinHourlyQuota(ctx: SimContext, settings: Settings): boolean {
		const hour = Math.floor(ctx.now() / 3_600_000);
		if (hour !== this.quota.hour) this.quota = { hour, used: 0 };
		this.quota.used += 1;
		return this.quota.used <= settings.perHour;
	}

	private verifyUser(params: URLSearchParams, ctx: SimContext, settings: Settings): ErplyError | Record<string, unknown>[] {
		if (!params.get('username')) return { code: ERRORS.missingParameter, field: 'username' };
		if (!params.get('password')) return { code: ERRORS.missingParameter, field: 'password' };
		if (params.get('clientCode') !== settings.clientCode || params.get('username') !== settings.username || params.get('password') !== settings.password) {
			return { code: ERRORS.loginFailed };
		}
		const requested = params.get('sessionLength');
		const sessionLength = Math.min(MAX_SESSION_SECONDS, requested && /^\d+$/.test(requested) ? Number(requested) : 3600);
		this.sessionCounter += 1;
		const sessionKey = `erply-${this.sessionCounter.toString(16).padStart(8, '0')}-sandbox`;
		const lifetimeMs = Math.min(sessionLength * 1000, settings.tokenTtlMs ?? Number.POSITIVE_INFINITY);
		this.sessions.set(sessionKey, { expiresAt: ctx.now() + lifetimeMs });
		return [{ userID: '1', userName: settings.username, employeeID: '1', employeeName: 'Sandbox Demo', groupID: '1', groupName: 'admin', sessionKey, sessionLength }];
	}

	private checkSession(params: URLSearchParams, ctx: SimContext, settings: Settings): ErplyError | undefined {
		const sessionKey = params.get('sessionKey');
		if (!sessionKey) return { code: ERRORS.noSession, field: 'sessionKey' };
		const session = params.get('clientCode') === settings.clientCode ? this.sessions.get(sessionKey) : undefined;
		if (!session) return { code: ERRORS.sessionNotFound };
		if (session.expiresAt <= ctx.now()) return { code: ERRORS.sessionExpired };
		return undefined;
	}

	private async saveSalesDocument(
		params: URLSearchParams,
		ctx: SimContext,
		settings: Settings,
		answer: (result: ErplyError | Record<string, unknown>[]) => SimResponse,
	): Promise<SimResponse> {
		const input = readDocument(params, ctx, settings);
		if ('code' in input) return answer(input);

		const uuid = input.temporaryUUID;
		const remembered = uuid === undefined ? undefined : this.temporaryUuids.get(uuid);
		if (remembered?.state === 'inFlight') return answer({ code: settings.inProgressCode, field: 'temporaryUUID' });
		// The original invoiceID is deliberately not returned: the client has to look the document up.
		if (remembered && ctx.now() - remembered.at < UUID_MEMORY_MS) return answer({ code: ERRORS.uuidAlreadyUsed, field: 'temporaryUUID' });

		// Erply's duplicate detection: a resend of the same document gets the existing one's id, nothing new is stored.
		const existing = input.invoiceNo !== undefined && input.explicitDateTime ? this.documents.find((document) => sameDocument(document, input)) : undefined;
		if (existing) return answer([savedRecord(existing)]);

		const config = ctx.faults.config();
		const fault = ctx.faults.nextWrite();
		if (fault === 'throttle') return answer({ code: ERRORS.quotaExceeded });
		if (fault === 'failBeforeCommit') {
			return { ...answer({ code: 1008 }), status: failBeforeCommitStatus(config) };
		}

		if (uuid !== undefined) this.temporaryUuids.set(uuid, { state: 'inFlight', at: ctx.now() });
		await pause(settings.processingDelayMs);
		this.documentCounter += 1;
		const { explicitDateTime: _explicit, ...fields } = input;
		const document: SalesDocument = {
			...fields,
			id: this.documentCounter,
			invoiceNo: input.invoiceNo ?? String(this.documentCounter),
			added: Math.floor(ctx.now() / 1000),
		};
		this.documents.push(noteCommit(document, ctx));
		if (uuid !== undefined) this.temporaryUuids.set(uuid, { state: 'created', at: ctx.now() });
		return { ...answer([savedRecord(document)]), delivery: afterCommitDelivery(fault, config) };
	}

	private getSalesDocuments(params: URLSearchParams, ctx: SimContext): ErplyError | { records: Record<string, unknown>[]; total: number } {
		const recordsOnPage = params.get('recordsOnPage') ?? '20';
		const pageNo = params.get('pageNo') ?? '1';
		if (!/^\d+$/.test(recordsOnPage) || Number(recordsOnPage) < 1) return { code: ERRORS.badFormat, field: 'recordsOnPage' };
		if (!/^\d+$/.test(pageNo) || Number(pageNo) < 1) return { code: ERRORS.badFormat, field: 'pageNo' };
		for (const field of ['dateFrom', 'dateTo']) {
			const value = params.get(field);
			if (value !== null && !/^\d{4}-\d{2}-\d{2}$/.test(value)) return { code: ERRORS.badFormat, field };
		}
		const id = params.get('id');
		const number = params.get('number');
		const dateFrom = params.get('dateFrom');
		const dateTo = params.get('dateTo');
		const reference = params.get('customReferenceNumber');
		const type = params.get('type');
		const matching = visible(this.documents, ctx).filter(
			(document) =>
				(id === null || String(document.id) === id) &&
				(number === null || document.invoiceNo === number) &&
				(dateFrom === null || document.date >= dateFrom) &&
				(dateTo === null || document.date <= dateTo) &&
				(reference === null || document.customReferenceNumber === reference) &&
				(type === null || document.type === type),
		);
		const size = Math.min(MAX_RECORDS_ON_PAGE, Number(recordsOnPage));
		const start = (Number(pageNo) - 1) * size;
		return { records: matching.slice(start, start + size).map(listedRecord), total: matching.length };
	}
}

// ---- helpers ----

/** The document a saveSalesDocument call describes, or Erply's validation error for the first problem. */
function readDocument(params: URLSearchParams, ctx: SimContext, settings: Settings): DocumentInput | ErplyError {
	const type = params.get('type') || 'INVWAYBILL';
	if (!DOCUMENT_TYPES.has(type)) return { code: ERRORS.invalidValue, field: 'type' };
	const uuid = params.get('temporaryUUID') ?? undefined;
	if (uuid !== undefined && !TEMPORARY_UUID.test(uuid)) return { code: ERRORS.invalidValue, field: 'temporaryUUID' };
	const customer = params.get('customerID');
	if (!customer) return { code: ERRORS.missingParameter, field: 'customerID' };
	if (!/^\d+$/.test(customer)) return { code: ERRORS.badFormat, field: 'customerID' };
	if (settings.customerIDs && !settings.customerIDs.includes(Number(customer))) return { code: ERRORS.unknownId, field: 'customerID' };
	const date = params.get('date');
	if (date !== null && !/^\d{4}-\d{2}-\d{2}$/.test(date)) return { code: ERRORS.badFormat, field: 'date' };
	const time = params.get('time');
	if (time !== null && !/^\d{2}:\d{2}(:\d{2})?$/.test(time)) return { code: ERRORS.badFormat, field: 'time' };
	const currencyCode = params.get('currencyCode') || 'EUR';
	if (!/^[A-Z]{3}$/.test(currencyCode)) return { code: ERRORS.invalidValue, field: 'currencyCode' };

	const rows: DocumentRow[] = [];
	for (let index = 1; ['productID', 'itemName', 'serviceID', 'amount', 'price'].some((name) => params.has(`${name}${index}`)); index += 1) {
		const productID = params.get(`productID${index}`) ?? params.get(`serviceID${index}`) ?? undefined;
		const itemName = params.get(`itemName${index}`) ?? undefined;
		if (productID === undefined && itemName === undefined) return { code: ERRORS.missingParameter, field: `productID${index}` };
		const amount = Number(params.get(`amount${index}`) ?? '1');
		if (!Number.isFinite(amount)) return { code: ERRORS.badFormat, field: `amount${index}` };
		const price = Number(params.get(`price${index}`) ?? '0');
		if (!Number.isFinite(price)) return { code: ERRORS.badFormat, field: `price${index}` };
		rows.push({ productID, itemName, amount, price, vatrateID: params.get(`vatrateID${index}`) ?? undefined });
	}

	const nowIso = new Date(ctx.now()).toISOString();
	return {
		type,
		invoiceNo: params.get('invoiceNo') || undefined,
		date: date ?? nowIso.slice(0, 10),
		time: time ?? nowIso.slice(11, 19),
		explicitDateTime: date !== null && time !== null,
		customerID: Number(customer),
		currencyCode,
		customReferenceNumber: params.get('customReferenceNumber') ?? '',
		rows,
		temporaryUUID: uuid,
	};
}

function sameDocument(document: SalesDocument, input: DocumentInput): boolean {
	const signature = (doc: Pick<SalesDocument, 'type' | 'date' | 'time' | 'customerID' | 'currencyCode' | 'customReferenceNumber' | 'rows'> & { invoiceNo?: string }) =>
		JSON.stringify([doc.type, doc.invoiceNo, doc.date, doc.time, doc.customerID, doc.currencyCode, doc.customReferenceNumber, doc.rows.map((row) => [row.productID, row.itemName, row.amount, row.price, row.vatrateID])]);
	return signature(document) === signature(input);
}

function netTotal(document: SalesDocument): number {
	return Math.round(document.rows.reduce((sum, row) => sum + row.amount * row.price, 0) * 100) / 100;
}

/** What saveSalesDocument returns in records[0]. VAT rates are not modelled: vat is 0. */
function savedRecord(document: SalesDocument): Record<string, unknown> {
	const net = netTotal(document);
	return {
		invoiceID: document.id,
		invoiceNo: document.invoiceNo,
		customNumber: '',
		customReferenceNumber: document.customReferenceNumber,
		rows: document.rows.map((row, index) => ({ rowID: document.id * 1000 + index + 1, stableRowID: document.id * 1000 + index + 1, productID: row.productID ?? '0', amount: row.amount })),
		net,
		vat: 0,
		rounding: 0,
		total: net,
	};
}

/** What getSalesDocuments lists: Erply's reading names differ from its writing names (id, number, clientID). */
function listedRecord(document: SalesDocument): Record<string, unknown> {
	const net = netTotal(document);
	return {
		id: document.id,
		type: document.type,
		currencyCode: document.currencyCode,
		currencyRate: '1.00',
		number: document.invoiceNo,
		date: document.date,
		time: document.time,
		clientID: document.customerID,
		customReferenceNumber: document.customReferenceNumber,
		netTotal: net,
		vatTotal: 0,
		rounding: 0,
		total: net,
		paid: '0',
		added: document.added,
		lastModified: document.added,
		rows: document.rows.map((row, index) => ({
			stableRowID: document.id * 1000 + index + 1,
			productID: row.productID ?? '0',
			itemName: row.itemName ?? '',
			vatrateID: row.vatrateID ?? '0',
			amount: String(row.amount),
			price: row.price.toFixed(2),
			rowNetTotal: (row.amount * row.price).toFixed(2),
			rowVAT: '0.00',
			rowTotal: (row.amount * row.price).toFixed(2),
		})),
	};
}

/** Erply's envelope: HTTP 200 whatever happened, the outcome is in `status`. */
function envelope(request: string, ctx: SimContext, result: ErplyError | Record<string, unknown>[], recordsTotal?: number): SimResponse {
	const requestUnixTime = Math.floor(ctx.now() / 1000);
	if (!Array.isArray(result)) {
		const status: Record<string, unknown> = { request, requestUnixTime, responseStatus: 'error', errorCode: result.code };
		if (result.field !== undefined) status.errorField = result.field;
		return { status: 200, body: { status: { ...status, generationTime: 0.001, recordsTotal: 0, recordsInResponse: 0 }, records: [] } };
	}
	return {
		status: 200,
		body: {
			status: { request, requestUnixTime, responseStatus: 'ok', errorCode: 0, generationTime: 0.001, recordsTotal: recordsTotal ?? result.length, recordsInResponse: result.length },
			records: result,
		},
	};
}
