// Types for runtime.js, so TypeScript tests, the bench and scripts use it checked.

export type RuntimeVersion = '2.41' | '2.8';
export type Log = (line: string) => void;

export interface Runtime {
	version: RuntimeVersion;
	n8nVersion: string;
	nodeBin: string;
	n8nBin: string;
	folder: string;
}

export interface WebhookToWaitFor {
	path: string;
	/** The method the webhook accepts (default POST): the probe uses another one, so no workflow runs. */
	method?: string;
}

export interface StartN8nOptions {
	version?: RuntimeVersion;
	/** Workflow JSON as n8n exports it; an `id` is assigned when missing. */
	workflows?: object[];
	/** Credential JSON ({id?, name, type, data}); `data` as a plain object is encrypted on import. */
	credentials?: object[];
	/** Extra environment for every n8n process (main, workers, CLI), e.g. queue mode's DB_TYPE/EXECUTIONS_MODE. */
	env?: Record<string, string>;
	/** `n8n worker` processes to start after the main one (queue mode). */
	workers?: number;
	/** true: publish every imported workflow; or the ids to publish. */
	activate?: boolean | string[];
	/** Webhook paths (after /webhook/) to wait for until n8n has registered them (plain strings: POST webhooks). */
	waitForWebhooks?: Array<string | WebhookToWaitFor>;
	/** The package folder to link (default: the repo root, i.e. what `npm run build` produced). */
	packageRoot?: string;
	/** false: use dist as it is. */
	build?: boolean;
	log?: Log;
}

export interface N8nInstance {
	version: RuntimeVersion;
	n8nVersion: string;
	port: number;
	baseUrl: string;
	userFolder: string;
	logFile: string;
	workflowIds: string[];
	/** pid of the main process of the current run (changes on restart). */
	pid: number;
	workerPids: number[];
	/** One log file per worker (the main process logs to logFile). */
	workerLogFiles: string[];
	/** Graceful: SIGTERM (workers first), SIGKILL after 30 s; the user folder and log stay for inspection. */
	stop(): Promise<void>;
	/** stop() and remove the temporary user folder. */
	dispose(): Promise<void>;
	kill9(): Promise<void>;
	restart(): Promise<void>;
	/** SIGKILL to worker `index` (0-based) and its task runner; the main and the other workers keep running. */
	kill9Worker(index: number): Promise<void>;
	/** Starts worker `index` again after it exited. */
	restartWorker(index: number): Promise<void>;
	runCli(args: string[]): Promise<{ code: number; output: string }>;
	knownNodeTypes(): string[];
}

export interface Session {
	cookie: string;
	browserId: string;
	headers: Record<string, string>;
}

export interface OwnerAccount {
	email?: string;
	password: string;
	firstName?: string;
	lastName?: string;
}

export const RUNTIMES: Record<RuntimeVersion, { folder: string; n8nVersion: string; node: string }>;
export const REPO_ROOT: string;
export const PACKAGE_NAME: string;
export function ensureRuntime(version: RuntimeVersion, options?: { log?: Log }): Promise<Runtime>;
export function isRuntimeInstalled(version: RuntimeVersion): boolean;
export function runtimeFolder(version: RuntimeVersion): string;
export function buildPackage(options?: { log?: Log }): Promise<void>;
/** `<package>.<nodeName>` for every node of package.json's n8n.nodes that exists in dist. */
export function packageNodeTypes(): string[];
/** Files of package.json's n8n block missing from dist (n8n loads none of the package while any is missing). */
export function missingPackageFiles(): string[];
export function startN8n(options?: StartN8nOptions): Promise<N8nInstance>;
export function runN8nCli(
	args: string[],
	options: { version?: RuntimeVersion; userFolder: string; env?: Record<string, string>; log?: Log; encryptionKey?: string },
): Promise<{ code: number; output: string }>;
export function freePort(): Promise<number>;
export function stopAll(): Promise<void>;
export function createOwner(baseUrl: string, account: OwnerAccount): Promise<Session>;
export function login(baseUrl: string, account: OwnerAccount): Promise<Session>;
export function knownNodeTypes(instance: { userFolder: string }): string[];
export function isAlive(pid: number): boolean;
