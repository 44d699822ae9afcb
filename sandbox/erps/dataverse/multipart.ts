/**
 * OData multipart `$batch` bodies (OData 4.0 part 1 §11.7): reading the request parts — each an
 * `application/http` request, or a nested `multipart/mixed` changeset — and writing the response.
 */

export class BatchFormatError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'BatchFormatError';
	}
}

export interface BatchOperation {
	method: string;
	/** As written in the request line: absolute URL, absolute path or path relative to the service root. */
	target: string;
	headers: Record<string, string>;
	body: string;
	contentId?: string;
}

export type BatchItem = { kind: 'operation'; operation: BatchOperation } | { kind: 'changeset'; operations: BatchOperation[] };

export interface OperationResult {
	status: number;
	headers: Record<string, string>;
	body?: unknown;
	contentId?: string;
}

export type BatchResultItem = { kind: 'operation'; result: OperationResult } | { kind: 'changeset'; results: OperationResult[] };

/** The `boundary` parameter of a `multipart/mixed` content type, or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
	if (!contentType || !/^\s*multipart\/mixed\s*;/i.test(contentType)) return undefined;
	const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
	return match ? (match[1] ?? match[2]) : undefined;
}

export function parseBatch(body: string, boundary: string): BatchItem[] {
	return splitParts(body, boundary).map((part) => {
		const { headers, content } = splitHeaders(part);
		const nested = boundaryOf(headers['content-type']);
		if (nested) {
			const operations = splitParts(content, nested).map((changePart) => {
				const inner = splitHeaders(changePart);
				const operation = readOperation(inner.headers, inner.content);
				if (operation.method === 'GET') throw new BatchFormatError('A GET request is not allowed inside a changeset.');
				return operation;
			});
			return { kind: 'changeset', operations };
		}
		return { kind: 'operation', operation: readOperation(headers, content) };
	});
}

/** The parts between `--boundary` delimiters; the CRLF before a delimiter belongs to the delimiter. */
function splitParts(body: string, boundary: string): string[] {
	const delimiter = `--${boundary}`;
	const chunks = body.split(delimiter);
	if (chunks.length < 2) throw new BatchFormatError(`The batch body does not contain the boundary '${boundary}'.`);
	const parts: string[] = [];
	for (const chunk of chunks.slice(1)) {
		if (chunk.startsWith('--')) return parts;
		parts.push(chunk.replace(/^[ \t]*\r?\n/, '').replace(/\r?\n$/, ''));
	}
	throw new BatchFormatError(`The batch body is missing its closing boundary '--${boundary}--'.`);
}

function splitHeaders(text: string): { headers: Record<string, string>; content: string } {
	const match = /\r?\n\r?\n/.exec(text);
	const head = match ? text.slice(0, match.index) : text;
	const content = match ? text.slice(match.index + match[0].length) : '';
	const headers: Record<string, string> = {};
	for (const line of head.split(/\r?\n/)) {
		if (!line.trim()) continue;
		const colon = line.indexOf(':');
		if (colon <= 0) throw new BatchFormatError(`Malformed header line '${line}' in a batch part.`);
		headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
	}
	return { headers, content };
}

function readOperation(partHeaders: Record<string, string>, content: string): BatchOperation {
	if (!/^application\/http\b/i.test(partHeaders['content-type'] ?? '')) {
		throw new BatchFormatError('Every batch part must have Content-Type application/http.');
	}
	const lineEnd = /\r?\n/.exec(content);
	const requestLine = lineEnd ? content.slice(0, lineEnd.index) : content;
	const afterLine = lineEnd ? content.slice(lineEnd.index + lineEnd[0].length) : '';
	const match = /^([A-Z]+)\s+(\S+)(?:\s+HTTP\/1\.[01])?\s*$/.exec(requestLine);
	if (!match) throw new BatchFormatError(`Malformed request line '${requestLine}' in a batch part.`);
	// Headers of the inner request run to the first blank line; an inner GET may have none at all.
	const { headers, content: body } = afterLine.trim() ? splitHeaders(afterLine) : { headers: {}, content: '' };
	return {
		method: match[1],
		target: match[2],
		headers,
		body: body.replace(/\r?\n$/, ''),
		contentId: partHeaders['content-id'] ?? headers['content-id'],
	};
}

const REASONS: Record<number, string> = {
	200: 'OK',
	201: 'Created',
	204: 'No Content',
	400: 'Bad Request',
	401: 'Unauthorized',
	404: 'Not Found',
	409: 'Conflict',
	412: 'Precondition Failed',
	429: 'Too Many Requests',
	500: 'Internal Server Error',
};

export function reasonPhrase(status: number): string {
	return REASONS[status] ?? 'Unknown';
}

export function serializeBatchResponse(items: BatchResultItem[], boundary: string, changesetBoundary: (index: number) => string): string {
	const lines: string[] = [];
	items.forEach((item, index) => {
		lines.push(`--${boundary}`);
		if (item.kind === 'operation') {
			lines.push(serializeOperation(item.result));
			return;
		}
		const inner = changesetBoundary(index);
		lines.push(`Content-Type: multipart/mixed; boundary=${inner}`, '');
		for (const result of item.results) lines.push(`--${inner}`, serializeOperation(result));
		lines.push(`--${inner}--`);
	});
	lines.push(`--${boundary}--`, '');
	return lines.join('\r\n');
}

function serializeOperation(result: OperationResult): string {
	const head = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
	if (result.contentId !== undefined) head.push(`Content-ID: ${result.contentId}`);
	const http = [`HTTP/1.1 ${result.status} ${reasonPhrase(result.status)}`];
	for (const [name, value] of Object.entries(result.headers)) http.push(`${name}: ${value}`);
	const body = result.body === undefined ? '' : JSON.stringify(result.body);
	return [...head, '', ...http, '', body].join('\r\n');
}
