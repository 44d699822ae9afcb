import type { ErpContext, HttpRequest, HttpResult, HttpResponse, TransportFailure } from '../../nodes/shared/erp/types';

/** Answers in the order given, or through a function of the request; records what was sent. */
export class FakeTransport {
	readonly requests: HttpRequest[] = [];

	constructor(private readonly answer: (request: HttpRequest, index: number) => HttpResult | Promise<HttpResult>) {}

	static sequence(...answers: HttpResult[]): FakeTransport {
		return new FakeTransport((_request, index) => {
			const next = answers[index];
			if (!next) throw new Error(`FakeTransport: no answer for request #${index + 1}`);
			return next;
		});
	}

	async send(request: HttpRequest): Promise<HttpResult> {
		this.requests.push(request);
		return await this.answer(request, this.requests.length - 1);
	}

	/** The form fields of request #index (Erply: objects with `form: true`). */
	form(index: number): Record<string, string> {
		return this.requests[index].body as Record<string, string>;
	}
}

export function respond(status: number, body?: unknown, headers: Record<string, string> = {}): HttpResponse {
	return { kind: 'response', status, headers, body };
}

export function fail(code: TransportFailure['code'], sent: boolean): TransportFailure {
	return { kind: 'failure', code, message: `simulated ${code}`, sent };
}

export function context(
	transport: FakeTransport,
	credentials: ErpContext['credentials'],
	settings: ErpContext['settings'] = {},
): ErpContext {
	return { transport, credentials, settings, requestTimeoutMs: 5000 };
}
