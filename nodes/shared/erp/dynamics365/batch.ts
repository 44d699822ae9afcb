import type { IDataObject } from 'n8n-workflow';
import type { HttpResponse } from '../types';

/**
 * OData multipart `$batch`. Every request is an independent part — never a changeset,
 * whose atomicity would roll back 49 good invoices for one duplicate (seed 001).
 */

export interface BatchRequestPart {
	method: 'POST' | 'PATCH';
	url: string;
	headers: Record<string, string>;
	body: IDataObject;
}

const CRLF = '\r\n';

/** Parts carry Content-ID 1..n so the answer can be matched even if a server reorders it. */
export function buildBatchBody(boundary: string, parts: BatchRequestPart[]): string {
	const chunks = parts.map((part, index) =>
		[
			`--${boundary}`,
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			`Content-ID: ${index + 1}`,
			'',
			`${part.method} ${part.url} HTTP/1.1`,
			...Object.entries(part.headers).map(([name, value]) => `${name}: ${value}`),
			'',
			JSON.stringify(part.body),
		].join(CRLF),
	);
	return chunks.join(CRLF) + `${CRLF}--${boundary}--${CRLF}`;
}

export interface BatchResponsePart {
	/** Content-ID of the request this part answers, when the server echoed it. */
	contentId?: string;
	response: HttpResponse;
}

/** The boundary parameter of a multipart Content-Type, or undefined when it is not multipart. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
	if (!contentType || !/^\s*multipart\//i.test(contentType)) return undefined;
	const match = /boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
	return match ? (match[1] ?? match[2]) : undefined;
}

/** Every answered request in order; a changeset answer (nested multipart) is flattened into its parts. */
export function parseBatchResponse(text: string, boundary: string): BatchResponsePart[] {
	const parts: BatchResponsePart[] = [];
	for (const rawPart of splitMultipart(text, boundary)) {
		const { headers: mimeHeaders, rest } = splitHeaders(rawPart);
		const nested = multipartBoundary(mimeHeaders['content-type']);
		if (nested) {
			parts.push(...parseBatchResponse(rest, nested));
			continue;
		}
		const response = parseHttpMessage(rest);
		if (response) parts.push({ contentId: mimeHeaders['content-id'], response });
	}
	return parts;
}

function splitMultipart(text: string, boundary: string): string[] {
	const delimiter = `--${boundary}`;
	const pieces = text.split(delimiter);
	// pieces[0] is the preamble; a piece starting with `--` follows the closing delimiter.
	return pieces
		.slice(1)
		.filter((piece) => !piece.startsWith('--'))
		.map((piece) => piece.replace(/^[ \t]*\r?\n/, '').replace(/\r?\n$/, ''));
}

function splitHeaders(block: string): { headers: Record<string, string>; rest: string } {
	// No headers at all: the blank line comes first.
	const leadingBlank = /^\r?\n/.exec(block);
	if (leadingBlank) return { headers: {}, rest: block.slice(leadingBlank[0].length) };
	const separator = /\r?\n\r?\n/.exec(block);
	const head = separator ? block.slice(0, separator.index) : block;
	const rest = separator ? block.slice(separator.index + separator[0].length) : '';
	const headers: Record<string, string> = {};
	for (const line of head.split(/\r?\n/)) {
		const colon = line.indexOf(':');
		if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
	}
	return { headers, rest };
}

/** `HTTP/1.1 204 No Content` + headers + body → a response; undefined when the part holds no status line. */
function parseHttpMessage(message: string): HttpResponse | undefined {
	const trimmed = message.replace(/^\s+/, '');
	const statusLine = /^HTTP\/\d(?:\.\d)?\s+(\d{3})[^\r\n]*\r?\n?/.exec(trimmed);
	if (!statusLine) return undefined;
	const { headers, rest } = splitHeaders(trimmed.slice(statusLine[0].length));
	const bodyText = rest.trim();
	let body: unknown = bodyText === '' ? undefined : bodyText;
	if (bodyText.startsWith('{') || bodyText.startsWith('[')) {
		try {
			body = JSON.parse(bodyText);
		} catch {
			// Not JSON after all: keep the text, the classifier reads it as the ERP's message.
		}
	}
	return { kind: 'response', status: Number(statusLine[1]), headers, body };
}
