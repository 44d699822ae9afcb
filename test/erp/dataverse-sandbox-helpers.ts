import { Dynamics365Api } from '../../credentials/Dynamics365Api.credentials';
import type { ErpContext, PostAttempt } from '../../nodes/shared/erp/types';
import type { Sandbox } from '../../sandbox';
import { OAuth2ClientCredentialsTransport, credentialData } from './dynamics365-transport';

/** The dynamics365Api credential a user would fill in for the sandbox (its token host stands in for Entra ID). */
export function sandboxCredential(sandbox: Sandbox, overrides: Record<string, unknown> = {}) {
	return credentialData(new Dynamics365Api(), {
		environmentUrl: sandbox.urls.dataverse,
		tenantId: 'sandbox-tenant',
		authorityUrl: sandbox.urls.dataverse,
		clientId: 'sandbox-client',
		clientSecret: 'sandbox-secret',
		...overrides,
	});
}

export function sandboxContext(sandbox: Sandbox, settings: ErpContext['settings'] = {}, requestTimeoutMs = 5000): ErpContext {
	const credentials = sandboxCredential(sandbox);
	return { transport: new OAuth2ClientCredentialsTransport(credentials), credentials, settings, requestTimeoutMs };
}

export function vendorInvoice(index: number, reference = `EXT-${index}`): PostAttempt {
	return {
		key: `V001-2024-03-01-INV-${index}`,
		reference,
		invoice: { invoiceNumber: `INV-${index}`, vendorAccount: 'V001', invoiceDate: '2024-03-01', currency: 'EUR', amount: 100 + index },
	};
}
