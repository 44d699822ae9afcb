import * as http from 'http';
import type { AddressInfo, Socket } from 'net';

import { DropConnection, SeededFaultDecider } from './faults';
import { maskAuthorization, maskParams } from './mask';
import { mulberry32, streamSeed } from './prng';
import type { ErpTruth, FaultConfig, SandboxErp, SimRequest, SimResponse, Simulator } from './types';

export const SANDBOX_ERPS: SandboxErp[] = ['infor', 'dataverse', 'freeagent', 'erply', 'mendix', 'generic'];

/** Long enough to outlast any sane client timeout (ION's gateway gives up at 60 s, clients sooner). */
export const DEFAULT_HOLD_MS = 35_000;
/** A fixed start for the manual clock, so replays produce identical timestamps. */
export const MANUAL_CLOCK_START = Date.parse('2026-01-05T09:00:00.000Z');

export interface LogEntry {
	erp: SandboxErp;
	method: string;
	/** Below the ERP's prefix, without the query string. */
	path: string;
	query: Record<string, string>;
	/** The status the simulator chose; 0 when the connection was dropped before it ran. */
	status: number;
	delivery: 'normal' | 'hold' | 'reset' | 'dropped' | 'error';
	authorization?: string;
	/** Form fields (token and Erply calls), secrets masked. */
	form?: Record<string, string>;
	/** Sandbox clock (ms since epoch) and wall clock when the request arrived. */
	sandboxTime: number;
	wallTime: number;
}

export interface SandboxServerOptions {
	simulators: Simulator[];
	seed?: number;
	faults?: Partial<Record<SandboxErp, FaultConfig>>;
	/** 0 (default) picks a free port. Always bound to 127.0.0.1. */
	port?: number;
	/** Token/session lifetime for every ERP unless its FaultConfig says otherwise. */
	tokenTtlMs?: number;
	/** 'wall' (default): real time plus advanceClock; 'manual': a fixed start that only advanceClock moves. */
	clock?: 'wall' | 'manual';
	/**
	 * Injected time for tests: the clock stands still (at the wall time of the start, or the manual
	 * start) and each ERP request moves it on by this many ms. Token lifetimes and rate-limit windows
	 * then count requests, not seconds, so they expire the same way on a fast and on a busy machine.
	 */
	clockStepMs?: number;
}

export interface Sandbox {
	urls: Record<SandboxErp, string>;
	port: number;
	truth(erp: SandboxErp): ErpTruth;
	/** Forget stored invoices, tokens, log and fault counters (one ERP or all). Fault configs stay. */
	reset(erp?: SandboxErp): void;
	setFaults(erp: SandboxErp, faults: FaultConfig): void;
	faults(erp: SandboxErp): FaultConfig;
	advanceClock(ms: number): number;
	now(): number;
	/**
	 * Holds the next `count` requests to `erp` until all of them arrived, then lets them run together:
	 * concurrent requests meet inside the ERP by construction, not because a delay outlasted the client.
	 */
	gather(erp: SandboxErp, count: number): void;
	requestLog(erp?: SandboxErp): LogEntry[];
	stop(): Promise<void>;
}

interface Mounted {
	simulator: Simulator;
	decider: SeededFaultDecider;
	latencyRandom: () => number;
	log: LogEntry[];
	gathering?: { count: number; waiting: Array<() => void> };
}

export async function startSandboxServer(options: SandboxServerOptions): Promise<Sandbox> {
	const seed = options.seed ?? 1;
	const defaults: FaultConfig = options.tokenTtlMs === undefined ? {} : { tokenTtlMs: options.tokenTtlMs };
	const manualClock = options.clock === 'manual';
	const stepMs = options.clockStepMs ?? 0;
	const frozenAt = manualClock ? MANUAL_CLOCK_START : Date.now();
	let clockOffset = 0;
	const now = () => (manualClock || stepMs > 0 ? frozenAt : Date.now()) + clockOffset;

	const mounted = new Map<SandboxErp, Mounted>();
	for (const simulator of options.simulators) {
		mounted.set(simulator.erp, {
			simulator,
			decider: new SeededFaultDecider(seed, simulator.erp, options.faults?.[simulator.erp] ?? {}, defaults),
			latencyRandom: mulberry32(streamSeed(seed, `latency:${simulator.erp}`)),
			log: [],
		});
	}

	const sockets = new Set<Socket>();
	const timers = new Set<NodeJS.Timeout>();
	let stopped = false;
	// Timers the core owns (latency, held answers) are cleared on stop, so nothing keeps the process alive.
	const wait = (ms: number) =>
		new Promise<void>((resolve) => {
			const timer = setTimeout(() => {
				timers.delete(timer);
				resolve();
			}, ms);
			timers.add(timer);
		});

	const holdUntilClosed = (res: http.ServerResponse, ms: number) =>
		new Promise<void>((resolve) => {
			if (res.destroyed) return resolve();
			const timer = setTimeout(done, ms);
			timers.add(timer);
			res.once('close', done);
			function done() {
				clearTimeout(timer);
				timers.delete(timer);
				res.off('close', done);
				resolve();
			}
		});

	const get = (erp: SandboxErp): Mounted => {
		const entry = mounted.get(erp);
		if (!entry) throw new Error(`No simulator for ${erp}`);
		return entry;
	};

	const server = http.createServer((req, res) => {
		readBody(req)
			.then((rawBody) => route(req, res, rawBody))
			.catch(() => res.destroy());
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	let port = 0;
	const baseUrl = (erp: SandboxErp) => `http://127.0.0.1:${port}/${erp}`;

	const sandbox: Sandbox = {
		urls: {} as Record<SandboxErp, string>,
		port: 0,
		truth: (erp) => get(erp).simulator.truth(),
		reset: (erp) => {
			for (const [name, entry] of mounted) {
				if (erp && name !== erp) continue;
				entry.simulator.reset();
				entry.decider.reset();
				entry.latencyRandom = mulberry32(streamSeed(seed, `latency:${name}`));
				entry.log = [];
				// A gathering a failed test left unfinished must not hold the next test's requests.
				for (const release of entry.gathering?.waiting ?? []) release();
				entry.gathering = undefined;
			}
		},
		setFaults: (erp, faults) => get(erp).decider.setConfig(faults),
		faults: (erp) => get(erp).decider.config(),
		advanceClock: (ms) => {
			clockOffset += ms;
			return now();
		},
		now,
		gather: (erp, count) => {
			get(erp).gathering = { count, waiting: [] };
		},
		requestLog: (erp) =>
			erp ? [...get(erp).log] : [...mounted.values()].flatMap((entry) => entry.log).sort((a, b) => a.wallTime - b.wallTime),
		stop: async () => {
			if (stopped) return;
			stopped = true;
			for (const timer of timers) clearTimeout(timer);
			timers.clear();
			const closed = new Promise<void>((resolve) => server.close(() => resolve()));
			for (const socket of sockets) socket.destroy();
			await closed;
		},
	};

	async function route(req: http.IncomingMessage, res: http.ServerResponse, rawBody: Buffer): Promise<void> {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const [, first = '', ...rest] = url.pathname.split('/');
		if (first === '_admin') return admin(req.method ?? 'GET', rest, rawBody, res);
		const entry = mounted.get(first as SandboxErp);
		if (!entry) return send(res, { status: 404, body: { error: `No sandbox ERP at /${first}` } });
		await simulate(entry, req, res, rawBody, url, `/${rest.join('/')}`);
	}

	async function simulate(
		entry: Mounted,
		req: http.IncomingMessage,
		res: http.ServerResponse,
		rawBody: Buffer,
		url: URL,
		path: string,
	): Promise<void> {
		const simReq = parseRequest(req, rawBody, url, path);
		clockOffset += stepMs;
		const logEntry: LogEntry = {
			erp: entry.simulator.erp,
			method: simReq.method,
			path,
			query: maskParams(simReq.query),
			status: 0,
			delivery: 'normal',
			sandboxTime: now(),
			wallTime: Date.now(),
		};
		if (simReq.headers.authorization) logEntry.authorization = maskAuthorization(simReq.headers.authorization);
		if (simReq.form) logEntry.form = maskParams(simReq.form);
		entry.log.push(logEntry);
		const gathering = entry.gathering;
		if (gathering) {
			await new Promise<void>((resolve) => {
				gathering.waiting.push(resolve);
				if (gathering.waiting.length < gathering.count) return;
				entry.gathering = undefined;
				for (const release of gathering.waiting) release();
			});
		}

		const config = entry.decider.config();
		const latency = latencyFor(config, entry.latencyRandom);
		if (latency > 0) await wait(latency);
		// A client that gave up meanwhile does not stop the ERP: the write still happens, as on a real server.
		if (stopped) return;

		let answer: SimResponse;
		try {
			answer = await entry.simulator.handle(simReq, { faults: entry.decider, now, baseUrl: baseUrl(entry.simulator.erp) });
		} catch (error) {
			if (error instanceof DropConnection) {
				logEntry.delivery = 'dropped';
				res.destroy();
				return;
			}
			logEntry.delivery = 'error';
			logEntry.status = 500;
			return send(res, { status: 500, body: { error: 'Sandbox simulator crashed', detail: String(error) } });
		}
		logEntry.status = answer.status;
		logEntry.delivery = answer.delivery ?? 'normal';
		if (answer.delivery === 'reset') {
			res.destroy();
			return;
		}
		if (answer.delivery === 'hold') {
			// Held until the client gives up (closes the socket), or until holdMs for a patient client:
			// the client's timeout decides, not a race between its timer and ours.
			await holdUntilClosed(res, entry.decider.config().holdMs ?? DEFAULT_HOLD_MS);
			if (stopped || res.destroyed) return;
		}
		send(res, answer);
	}

	function admin(method: string, segments: string[], rawBody: Buffer, res: http.ServerResponse): void {
		const [action = '', erpName, extra] = segments;
		const erp = erpName as SandboxErp | undefined;
		const body = parseJson(rawBody);
		if (erp && !mounted.has(erp) && !(action === 'clock')) {
			return send(res, { status: 404, body: { error: `Unknown ERP ${erp}` } });
		}
		try {
			if (action === 'truth' && method === 'GET' && erp) return send(res, { status: 200, body: sandbox.truth(erp) });
			if (action === 'reset' && method === 'POST') {
				sandbox.reset(erp);
				return send(res, { status: 200, body: { reset: erp ?? 'all' } });
			}
			if (action === 'faults' && erp && (method === 'PUT' || method === 'POST')) {
				if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
					return send(res, { status: 400, body: { error: 'Body must be a JSON FaultConfig object' } });
				}
				sandbox.setFaults(erp, body as FaultConfig);
				return send(res, { status: 200, body: sandbox.faults(erp) });
			}
			if (action === 'faults' && erp && method === 'GET') return send(res, { status: 200, body: sandbox.faults(erp) });
			if (action === 'log' && method === 'GET') return send(res, { status: 200, body: sandbox.requestLog(erp) });
			if (action === 'clock' && erpName === 'advance' && extra === undefined && method === 'POST') {
				const ms = (body as { ms?: unknown } | undefined)?.ms;
				if (typeof ms !== 'number' || !Number.isFinite(ms)) return send(res, { status: 400, body: { error: 'Body must be {"ms": number}' } });
				return send(res, { status: 200, body: { now: sandbox.advanceClock(ms) } });
			}
			if (action === 'clock' && method === 'GET') return send(res, { status: 200, body: { now: now() } });
			if (action === 'urls' && method === 'GET') return send(res, { status: 200, body: sandbox.urls });
		} catch (error) {
			return send(res, { status: 500, body: { error: String(error) } });
		}
		send(res, { status: 404, body: { error: `No admin route ${method} /_admin/${segments.join('/')}` } });
	}

	await new Promise<void>((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', () => {
			server.off('error', reject);
			resolve();
		});
	});
	port = (server.address() as AddressInfo).port;
	sandbox.port = port;
	for (const erp of mounted.keys()) sandbox.urls[erp] = baseUrl(erp);
	return sandbox;
}

function latencyFor(config: FaultConfig, random: () => number): number {
	const base = config.latencyMs ?? 0;
	const jitter = config.jitterMs ?? 0;
	// Always draw when jitter is configured so the stream position depends only on the request count.
	const offset = jitter > 0 ? (random() * 2 - 1) * jitter : 0;
	return Math.max(0, Math.round(base + offset));
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

function parseJson(rawBody: Buffer): unknown {
	if (rawBody.length === 0) return undefined;
	try {
		return JSON.parse(rawBody.toString('utf8'));
	} catch {
		return undefined;
	}
}

function parseRequest(req: http.IncomingMessage, rawBody: Buffer, url: URL, path: string): SimRequest {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(req.headers)) {
		if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
	}
	const text = rawBody.toString('utf8');
	const contentType = headers['content-type'] ?? '';
	const simReq: SimRequest = { method: (req.method ?? 'GET').toUpperCase(), path, query: url.searchParams, headers, rawBody, text };
	if (contentType.includes('application/x-www-form-urlencoded')) simReq.form = new URLSearchParams(text);
	else if (text.length > 0) {
		const json = parseJson(rawBody);
		if (json !== undefined) simReq.json = json;
	}
	return simReq;
}

function send(res: http.ServerResponse, answer: SimResponse): void {
	if (res.destroyed || res.headersSent) return;
	const headers: Record<string, string> = { ...(answer.headers ?? {}) };
	const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
	let payload: string | undefined;
	if (typeof answer.body === 'string') {
		payload = answer.body;
		if (!hasContentType) headers['content-type'] = 'text/plain; charset=utf-8';
	} else if (answer.body !== undefined) {
		payload = JSON.stringify(answer.body);
		if (!hasContentType) headers['content-type'] = 'application/json; charset=utf-8';
	}
	if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
	res.writeHead(answer.status, headers);
	res.end(payload);
}
