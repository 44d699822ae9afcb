import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import type { Sandbox } from '../../sandbox';
import type { FaultConfig, SandboxErp, StoredInvoice } from '../../sandbox/core/types';
import { inforDemoIonApi } from '../../sandbox/erps/infor/simulator';
import { connectFreeAgent } from '../erp/freeagent-transport';
import { TestCredentialsHelper } from '../helpers/n8n-harness';

/** How the chaos matrix talks to one sandbox ERP through the Post node, and how it finds an invoice in the ERP's truth. */
export interface ChaosErp {
	sandbox: SandboxErp;
	/** The Post node's `erp` parameter and the credential type it needs. */
	erp: string;
	credentialType: string;
	credentials(sandbox: Sandbox): Promise<TestCredentialsHelper>;
	/** ERP-specific fields on top of the canonical invoice. */
	decorate(invoice: IDataObject, sandbox: Sandbox): IDataObject;
	/** ERP-specific node parameters (settings collections). */
	parameters: IDataObject;
	/** Faults that keep the ERP out of the way unless a cell says otherwise (rate limits, race windows). */
	baseline: FaultConfig;
	/** Whether the ERP has a batch call (then the matrix also posts in batches). */
	batch: boolean;
	/** Which stored record is which invoice: the invoice number where the ERP keeps it, else the amount. */
	identity(stored: StoredInvoice): string;
	invoiceIdentity(invoice: IDataObject): string;
	/** Auth that expires (token/session); basic-auth ERPs have nothing to expire. */
	expires: boolean;
}

const byNumber = {
	identity: (stored: StoredInvoice) => String(stored.invoiceNumber),
	invoiceIdentity: (invoice: IDataObject) => String(invoice.invoiceNumber),
};
// FreeAgent keeps no invoice number of ours (its reference is the number): the amounts are distinct per invoice.
const byAmount = {
	identity: (stored: StoredInvoice) => Number(stored.amount).toFixed(2),
	invoiceIdentity: (invoice: IDataObject) => Number(invoice.amount).toFixed(2),
};

export const CHAOS_ERPS: ChaosErp[] = [
	{
		sandbox: 'infor',
		erp: 'inforIcs',
		credentialType: 'inforIonApi',
		credentials: async (sandbox) => new TestCredentialsHelper({ inforIonApi: { ionapiFile: JSON.stringify(inforDemoIonApi(sandbox.urls.infor)) } }),
		decorate: (invoice) => invoice,
		parameters: {},
		baseline: {},
		batch: true,
		expires: true,
		...byNumber,
	},
	{
		sandbox: 'dataverse',
		erp: 'dynamics365',
		credentialType: 'dynamics365Api',
		credentials: async (sandbox) =>
			new TestCredentialsHelper({
				dynamics365Api: {
					environmentUrl: sandbox.urls.dataverse,
					tenantId: 'sandbox-tenant',
					authorityUrl: sandbox.urls.dataverse,
					clientId: 'sandbox-client',
					clientSecret: 'sandbox-secret',
				},
			}),
		decorate: (invoice) => ({ ...invoice, vendorAccount: 'V001' }),
		parameters: {},
		baseline: { options: { rateLimitPerWindow: 1_000_000 } },
		batch: true,
		expires: true,
		...byNumber,
	},
	{
		sandbox: 'freeagent',
		erp: 'freeAgent',
		credentialType: 'freeAgentOAuth2Api',
		credentials: async (sandbox) =>
			new TestCredentialsHelper({ freeAgentOAuth2Api: (await connectFreeAgent(sandbox.urls.freeagent)) as unknown as ICredentialDataDecryptedObject }),
		decorate: (invoice, sandbox) => ({ ...invoice, currency: 'GBP', contactUrl: `${sandbox.urls.freeagent}/v2/contacts/1` }),
		parameters: {},
		baseline: { options: { perMinute: 1_000_000, perHour: 1_000_000, persistDelayMs: 2, sendRetryAfter: true } },
		batch: false,
		expires: true,
		...byAmount,
	},
	{
		sandbox: 'erply',
		erp: 'erply',
		credentialType: 'erplyApi',
		credentials: async (sandbox) =>
			new TestCredentialsHelper({ erplyApi: { clientCode: 'sandbox', username: 'demo', password: 'demo-password', baseUrl: `${sandbox.urls.erply}/api/` } }),
		decorate: (invoice) => ({ ...invoice, customerId: '17' }),
		parameters: {},
		baseline: { options: { perHour: 1_000_000 } },
		batch: false,
		expires: true,
		...byNumber,
	},
	{
		sandbox: 'mendix',
		erp: 'mendix',
		credentialType: 'mendixApi',
		credentials: async (sandbox) =>
			new TestCredentialsHelper({ mendixApi: { baseUrl: sandbox.urls.mendix, username: 'InvoiceApiUser', password: 'demo-mendix-password' } }),
		// Mendix's key is the transaction id; the robot sends the reference as one.
		decorate: (invoice) => ({ ...invoice, transactionId: invoice.externalReference }),
		parameters: { reference: '={{ $json.transactionId }}' },
		baseline: {},
		batch: false,
		expires: false,
		...byNumber,
	},
	{
		sandbox: 'generic',
		erp: 'genericRest',
		credentialType: 'genericErpApi',
		credentials: async (sandbox) => new TestCredentialsHelper({ genericErpApi: { baseUrl: sandbox.urls.generic, authType: 'none' } }),
		decorate: (invoice) => invoice,
		parameters: {},
		baseline: {},
		batch: false,
		expires: false,
		...byNumber,
	},
];
