/**
 * An IExecuteFunctions whose `helpers.httpRequestWithAuthentication` is n8n-core's real one (real
 * axios, real NodeApiError wrapping, real 401 → preAuthentication → retry), over a credentials
 * helper that applies our credential classes the way n8n's CredentialsHelper does: preAuthentication
 * when the expirable field is empty or after a 401 (persisting its output), then `authenticate`.
 * So the transport and the credentials are tested against the errors n8n really throws.
 */
import {
	httpRequest,
	httpRequestWithAuthentication,
} from 'n8n-core/dist/execution-engine/node-execution-context/utils/request-helper-functions';
import type {
	ICredentialDataDecryptedObject,
	ICredentialType,
	IExecuteFunctions,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INode,
	IWorkflowExecuteAdditionalData,
	Workflow,
} from 'n8n-workflow';

export const TEST_NODE: INode = {
	id: 'erp-test',
	name: 'Idempotent Invoice Post',
	type: 'n8n-nodes-idempotent-invoice.idempotentInvoicePost',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

export interface N8nLikeContext {
	fns: IExecuteFunctions;
	/** The credential as n8n would have persisted it (preAuthentication's output included). */
	stored: ICredentialDataDecryptedObject;
	preAuthenticationRuns: () => number;
}

/** `={{$credentials.name}}` templates, the only expressions our generic authenticate uses. */
function resolveTemplate(value: string, credentials: ICredentialDataDecryptedObject): string {
	if (!value.startsWith('=')) return value;
	return value.slice(1).replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_, name: string) => String(credentials[name] ?? ''));
}

export async function applyAuthenticate(
	type: ICredentialType,
	credentials: ICredentialDataDecryptedObject,
	options: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const { authenticate } = type;
	if (typeof authenticate === 'function') return await authenticate(credentials, options);
	if (authenticate?.type !== 'generic') return options;
	const result = { ...options } as IHttpRequestOptions & Record<string, Record<string, string>>;
	for (const [outer, entries] of Object.entries(authenticate.properties)) {
		result[outer] = { ...(result[outer] ?? {}) };
		for (const [name, value] of Object.entries(entries as Record<string, string>)) {
			result[outer][resolveTemplate(name, credentials)] = resolveTemplate(value, credentials);
		}
	}
	return result;
}

/**
 * `oauth2`: the type extends oAuth2Api, so n8n-core's own OAuth2 path signs each request with the
 * stored `oauthTokenData.access_token` (no token call while one is stored).
 */
export function n8nLikeContext(type: ICredentialType, data: ICredentialDataDecryptedObject, options: { credentialId?: string } = {}): N8nLikeContext {
	const defaults = Object.fromEntries(type.properties.map((property) => [property.name, property.default])) as ICredentialDataDecryptedObject;
	const stored: ICredentialDataDecryptedObject = { ...defaults, ...data };
	const expirable = type.properties.find((property) => property.type === 'hidden' && property.typeOptions?.expirable)?.name;
	let runs = 0;

	const parentTypes = type.extends ?? [];
	const credentialsHelper = {
		getParentTypes: () => parentTypes,
		async preAuthentication(
			helpers: IHttpRequestHelper,
			credentials: ICredentialDataDecryptedObject,
			_typeName: string,
			_node: INode,
			expired: boolean,
		) {
			if (!expirable || !type.preAuthentication) return undefined;
			if (credentials[expirable] !== '' && !expired) return undefined;
			runs += 1;
			const output = (await type.preAuthentication.call(helpers, credentials)) as ICredentialDataDecryptedObject;
			if (output[expirable] === undefined) return undefined;
			Object.assign(stored, output);
			return Object.assign(credentials, output);
		},
		authenticate: async (credentials: ICredentialDataDecryptedObject, _typeName: string, options: IHttpRequestOptions) =>
			await applyAuthenticate(type, credentials, options),
	};
	const additionalData = { credentialsHelper } as unknown as IWorkflowExecuteAdditionalData;
	const workflow = {} as Workflow;

	const node: INode = options.credentialId ? { ...TEST_NODE, credentials: { [type.name]: { id: options.credentialId, name: type.name } } } : TEST_NODE;
	const fns = {
		getNode: () => node,
		logger: { debug: () => undefined },
		getCredentials: async () => ({ ...stored }),
		helpers: {
			httpRequest: async (options: IHttpRequestOptions) => await httpRequest(options),
			async httpRequestWithAuthentication(this: IExecuteFunctions, credentialsType: string, options: IHttpRequestOptions) {
				return await httpRequestWithAuthentication.call(this, credentialsType, options, workflow, node, additionalData);
			},
		},
	} as unknown as IExecuteFunctions;

	return { fns, stored, preAuthenticationRuns: () => runs };
}
