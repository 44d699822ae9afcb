'use strict';
/**
 * The package's classes for programmatic use and tests: every node and credential n8n loads
 * (the lists in package.json's `n8n` field), from the compiled `dist/` (`npm run build`).
 * n8n itself loads the files listed in package.json, not this one.
 *
 *   const { IdempotentInvoicePost, InforIonApi } = require('n8n-nodes-idempotent-invoice');
 */
const path = require('path');
const { n8n } = require('./package.json');

for (const file of [...n8n.nodes, ...n8n.credentials]) {
	Object.assign(module.exports, require(path.join(__dirname, file)));
}
