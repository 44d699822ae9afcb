import { spawn } from 'child_process';
import type { ChildProcess } from 'child_process';
import * as net from 'net';
import * as path from 'path';

import { answered, call } from './helpers';

const ROOT = path.resolve(__dirname, '../..');

function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const probe = net.createServer();
		probe.once('error', reject);
		probe.listen(0, '127.0.0.1', () => {
			const { port } = probe.address() as net.AddressInfo;
			probe.close(() => resolve(port));
		});
	});
}

function portIsFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const probe = net.createServer();
		probe.once('error', () => resolve(false));
		probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
	});
}

/** Ctrl-C in a terminal signals the whole foreground process group: npm, its shell and ts-node. */
function groupAlive(pid: number): boolean {
	try {
		process.kill(-pid, 0);
		return true;
	} catch {
		return false;
	}
}

describe('npm run sandbox', () => {
	let child: ChildProcess | undefined;

	afterAll(() => {
		if (child?.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
	});

	it('starts all six ERPs on the given port, answers, and stops on SIGINT leaving no process and a free port', async () => {
		const port = await freePort();
		child = spawn('npm', ['run', '-s', 'sandbox'], {
			cwd: ROOT,
			env: { ...process.env, SANDBOX_PORT: String(port), SANDBOX_SEED: '3' },
			detached: true,
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		let output = '';
		child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
		child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
		const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));

		const deadline = Date.now() + 45_000;
		let ready = false;
		while (!ready && Date.now() < deadline) {
			const result = await call(`http://127.0.0.1:${port}/_admin/urls`, { timeoutMs: 1000 });
			ready = result.kind === 'response' && result.status === 200;
			if (!ready) await new Promise((resolve) => setTimeout(resolve, 250));
		}
		expect(ready).toBe(true);
		for (const erp of ['infor', 'dataverse', 'freeagent', 'erply', 'mendix', 'generic']) {
			expect(output).toContain(`http://127.0.0.1:${port}/${erp}`);
		}
		const created = answered(await call(`http://127.0.0.1:${port}/generic/invoices`, { json: { reference: 'CLI-1', amount: 1 } }));
		expect(created.status).toBe(201);

		const pid = child.pid as number;
		const signalledAt = Date.now();
		process.kill(-pid, 'SIGINT');
		// How fast it stops is no verdict (a busy machine is slow); that it stops is. A sandbox that ignores
		// the signal still fails here after 15 s, instead of hanging the suite.
		let giveUp: NodeJS.Timeout | undefined;
		await Promise.race([exited, new Promise((resolve) => (giveUp = setTimeout(resolve, 15_000)))]);
		clearTimeout(giveUp);
		while (groupAlive(pid) && Date.now() - signalledAt < 15_000) await new Promise((resolve) => setTimeout(resolve, 50));

		expect(groupAlive(pid)).toBe(false);
		expect(await portIsFree(port)).toBe(true);
	});
});
