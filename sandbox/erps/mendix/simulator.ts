import {
	afterCommitDelivery,
	asRecord,
	basicCredentials,
	failBeforeCommitStatus,
	option,
	pause,
	retryAfterSeconds,
} from '../../core/responses';
import { noteCommit, visible } from '../../core/hostile';
import { summariseTruth } from '../../core/truth';
import type { FaultConfig, SimContext, SimRequest, SimResponse, Simulator, StoredInvoice } from '../../core/types';

/**
 * A Mendix app's published REST service (`/rest/invoices/v1`, the contract the mendix adapter follows) with HTTP Basic auth. The create microflow
 * checks for the transactionId first (mode 'checkFirst') and the entity has a unique constraint on it.
 * Between the check and the commit the microflow spends `options.processingMs`: two concurrent posts
 * of one transactionId both pass the check, the later commit hits the constraint and gets
 * `options.raceStatus` (500: the unhandled exception; 409 when the app maps it).
 */

export const MENDIX_SERVICE_PATH = '/rest/invoices/v1/invoices';
const DEMO_USER = 'InvoiceApiUser';
const DEMO_PASSWORD = 'demo-mendix-password';

type MendixMode = 'checkFirst' | 'constraintOnly';

const throttled = (config: FaultConfig): SimResponse => ({
	status: 429,
	headers: { 'retry-after': String(retryAfterSeconds(config)) },
	body: { error: { code: 429, message: 'Too many requests' } },
});

const unhandled = (status: number): SimResponse => ({
	status,
	body: { error: { code: status, message: 'An error has occurred while handling the request.' } },
});

export function createMendixSimulator(): Simulator & { demoCredentials(baseUrl: string): Record<string, unknown> } {
	let invoices: StoredInvoice[] = [];
	let nextInvoiceId = 1;

	const reset = () => {
		invoices = [];
		nextInvoiceId = 1;
	};

	const existingFor = (transactionId: string) => invoices.find((invoice) => invoice.reference === transactionId);

	function validate(input: unknown): { ok: true; body: Record<string, unknown> } | { ok: false; message: string } {
		const body = asRecord(input);
		if (!body) return { ok: false, message: 'The request body must be a JSON object' };
		if (typeof body.transactionId !== 'string' || body.transactionId === '') return { ok: false, message: 'transactionId is required' };
		if (typeof body.invoiceNumber !== 'string' || body.invoiceNumber === '') return { ok: false, message: 'invoiceNumber is required' };
		if (typeof body.amount !== 'number' || !Number.isFinite(body.amount)) return { ok: false, message: 'amount must be a number' };
		return { ok: true, body };
	}

	async function create(req: SimRequest, ctx: SimContext): Promise<SimResponse> {
		const validated = validate(req.json);
		if (!validated.ok) return { status: 400, body: { error: { code: 400, message: validated.message } } };
		const config = ctx.faults.config();
		const fault = ctx.faults.nextWrite();
		if (fault === 'throttle') return throttled(config);
		if (fault === 'failBeforeCommit') return unhandled(failBeforeCommitStatus(config));

		const body = validated.body;
		const transactionId = body.transactionId as string;
		const mode = option<MendixMode>(config, 'mode', 'checkFirst');
		if (mode === 'checkFirst') {
			const existing = existingFor(transactionId);
			if (existing) {
				return {
					status: 200,
					body: { status: 'success', invoiceId: existing.id, message: `Invoice ${existing.invoiceNumber} already exists` },
					delivery: afterCommitDelivery(fault, config),
				};
			}
		}
		// The race window: a concurrent post of the same transactionId passes the check above meanwhile.
		await pause(option(config, 'processingMs', 0));

		// The database's unique constraint: the only thing that stops a concurrent second commit.
		if (existingFor(transactionId)) {
			const status = mode === 'constraintOnly' ? 409 : option<number>(config, 'raceStatus', 500);
			if (status !== 409) return unhandled(status);
			return { status: 409, body: { error: { code: 409, message: `An invoice with transactionId ${transactionId} already exists` } } };
		}
		const invoiceId = String(nextInvoiceId);
		nextInvoiceId += 1;
		invoices.push(noteCommit({
			id: invoiceId,
			reference: transactionId,
			invoiceNumber: body.invoiceNumber as string,
			invoiceDate: typeof body.invoiceDate === 'string' ? body.invoiceDate : undefined,
			amount: body.amount as number,
			createdAt: new Date(ctx.now()).toISOString(),
			raw: { ...body, invoiceId },
		}, ctx));
		return {
			status: 201,
			body: { status: 'success', invoiceId, message: `Invoice ${body.invoiceNumber as string} created` },
			delivery: afterCommitDelivery(fault, config),
		};
	}

	function lookup(req: SimRequest, ctx: SimContext): SimResponse {
		if (ctx.faults.nextRead() === 'throttle') return throttled(ctx.faults.config());
		const transactionId = req.query.get('transactionId');
		const seen = visible(invoices, ctx);
		const matching = transactionId === null ? seen : seen.filter((invoice) => invoice.reference === transactionId);
		return {
			status: 200,
			body: matching.map((invoice) => ({ invoiceId: invoice.id, invoiceNumber: invoice.invoiceNumber, transactionId: invoice.reference })),
		};
	}

	async function handle(req: SimRequest, ctx: SimContext): Promise<SimResponse> {
		if (req.path !== MENDIX_SERVICE_PATH) return { status: 404, body: { error: { code: 404, message: `No resource at ${req.path}` } } };
		const credentials = basicCredentials(req);
		if (!credentials || credentials.user !== DEMO_USER || credentials.password !== DEMO_PASSWORD) {
			return { status: 401, headers: { 'www-authenticate': 'Basic realm="Mendix"' }, body: { error: { code: 401, message: 'Unauthorized' } } };
		}
		if (req.method === 'POST') return create(req, ctx);
		if (req.method === 'GET') return lookup(req, ctx);
		return { status: 405, body: { error: { code: 405, message: `Method ${req.method} not allowed` } } };
	}

	return {
		erp: 'mendix',
		handle,
		truth: () => summariseTruth(invoices),
		reset,
		// A check-first microflow names the record it found (200); a unique constraint only says 409.
		existsAnswer: (_req, _ctx, otherId) =>
			otherId
				? { status: 200, body: { status: 'success', invoiceId: otherId, message: 'Invoice already exists' } }
				: { status: 409, body: { error: { code: 409, message: 'An invoice with this transactionId already exists' } } },
		demoCredentials: (baseUrl) => ({ baseUrl, servicePath: MENDIX_SERVICE_PATH, user: DEMO_USER, password: DEMO_PASSWORD }),
	};
}
