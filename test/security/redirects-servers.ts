/**
 * Two loopback servers for redirect tests: `hostile` plays the ERP (or its token endpoint) and answers
 * every request with a redirect to `other`, a different origin that records whatever reaches it and
 * answers like a willing ERP (`201 {id}`), so a followed redirect would look like a created invoice.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'http';
import type { AddressInfo } from 'net';

export interface Received {
	method: string;
	url: string;
	headers: IncomingHttpHeaders;
	body: string;
}

export interface RecordingServer {
	url: string;
	received: Received[];
	/** Everything received, as one text to search for secrets. */
	text(): string;
	close(): Promise<void>;
}

async function listen(answer: (request: Received) => { status: number; headers: Record<string, string>; body: string }): Promise<RecordingServer> {
	const received: Received[] = [];
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
			received.push(request);
			const { status, headers, body } = answer(request);
			res.writeHead(status, headers);
			res.end(body);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		received,
		text: () => JSON.stringify(received),
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

export interface RedirectPair {
	hostile: RecordingServer;
	other: RecordingServer;
	/** The status the hostile server answers with (default 307). */
	status: number;
	close(): Promise<void>;
}

export async function startRedirectPair(): Promise<RedirectPair> {
	const other = await listen(() => ({
		status: 201,
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ id: 'STOLEN-1', invoiceId: 'STOLEN-1', access_token: 'fake', records: [{ sessionKey: 'fake' }], status: { responseStatus: 'ok' } }),
	}));
	const pair: RedirectPair = {
		hostile: undefined as unknown as RecordingServer,
		other,
		status: 307,
		close: async () => {
			await Promise.all([pair.hostile.close(), other.close()]);
		},
	};
	pair.hostile = await listen((request) => ({
		status: pair.status,
		headers: { Location: `${other.url}/collect${request.url}`, 'Content-Type': 'text/plain' },
		body: 'moved',
	}));
	return pair;
}
