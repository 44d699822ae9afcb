'use strict';
// Runs isQueueModeWorkerLikely on a real n8n-core ExecuteContext in a process started as
// `<this file> worker|start|webhook` (n8n-core reads its role from argv[2]); prints true/false.
const fs = require('fs');
const os = require('os');
const path = require('path');

const repo = path.resolve(__dirname, '..', '..');
process.env.N8N_USER_FOLDER = fs.mkdtempSync(path.join(os.tmpdir(), 'detect-worker-'));
// A worker refuses to start without one; a throwaway for this probe.
process.env.N8N_ENCRYPTION_KEY = 'detect-worker-probe';
require(path.join(repo, 'node_modules', 'ts-node')).register({ transpileOnly: true, project: path.join(repo, 'tsconfig.json') });
const { ExecuteContext } = require(path.join(repo, 'node_modules', 'n8n-core'));
const { Workflow } = require(path.join(repo, 'node_modules', 'n8n-workflow'));
const { isQueueModeWorkerLikely } = require(path.join(repo, 'nodes', 'shared', 'ledger', 'queueMode.ts'));

const node = { id: '1', name: 'Dedupe Check', type: 'probe', typeVersion: 1, position: [0, 0], parameters: {} };
const nodeTypes = { getByNameAndVersion: () => ({ description: { properties: [] } }), getByName: () => ({}), getKnownTypes: () => ({}) };
const workflow = new Workflow({ id: 'w', nodes: [node], connections: {}, active: false, nodeTypes });
const input = { main: [[{ json: {} }]] };
const context = new ExecuteContext(workflow, node, {}, 'webhook', { resultData: { runData: {} }, executionData: {} }, 0, [], input, { node, data: input, source: null }, []);
process.stdout.write(String(isQueueModeWorkerLikely(context)) + '\n');
fs.rmSync(process.env.N8N_USER_FOLDER, { recursive: true, force: true });
// n8n-core's container keeps handles open: this probe is done.
process.exit(0);
