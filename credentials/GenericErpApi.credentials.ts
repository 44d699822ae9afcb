import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

export class GenericErpApi implements ICredentialType {
	name = 'genericErpApi';

	displayName = 'Generic ERP API';

	icon = { light: 'file:genericErpApi.svg', dark: 'file:genericErpApi.dark.svg' } as const;

	documentationUrl = 'https://docs.n8n.io/integrations/builtin/credentials/httprequest/';

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://erp.example.com/api/v1',
			description: "The ERP API's root; the node's create and lookup paths are appended to it",
		},
		{
			displayName: 'Authentication',
			name: 'authType',
			type: 'options',
			options: [
				{ name: 'None', value: 'none' },
				{ name: 'Header', value: 'header' },
				{ name: 'Bearer Token', value: 'bearer' },
				{ name: 'Basic Auth', value: 'basic' },
			],
			default: 'none',
		},
		{
			displayName: 'Header Name',
			name: 'headerName',
			type: 'string',
			default: 'X-API-Key',
			displayOptions: { show: { authType: ['header'] } },
		},
		// An API key sent as a header is a secret.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Header Value',
			name: 'headerValue',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authType: ['header'] } },
		},
		{
			displayName: 'Token',
			name: 'token',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authType: ['bearer'] } },
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			displayOptions: { show: { authType: ['basic'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authType: ['basic'] } },
		},
		{
			displayName: 'Test Path',
			name: 'testPath',
			type: 'string',
			default: '/',
			description: 'A cheap GET path the credential test calls (e.g. /invoices?limit=1); it must answer 2xx with valid credentials',
		},
	];

	// A function rather than IAuthenticateGeneric: which header (if any) depends on the chosen type.
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const headers = { ...(requestOptions.headers ?? {}) };
		switch (credentials.authType) {
			case 'header':
				if (typeof credentials.headerName === 'string' && credentials.headerName !== '') {
					headers[credentials.headerName] = String(credentials.headerValue ?? '');
				}
				return { ...requestOptions, headers };
			case 'bearer':
				return { ...requestOptions, headers: { ...headers, Authorization: `Bearer ${String(credentials.token ?? '')}` } };
			case 'basic':
				return { ...requestOptions, auth: { username: String(credentials.username ?? ''), password: String(credentials.password ?? '') } };
			default:
				return requestOptions;
		}
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{ $credentials.baseUrl.replace(/\\/+$/, "") }}',
			url: '={{ $credentials.testPath || "/" }}',
			// Credentials never follow a redirect to another host: a 3xx fails the test instead.
			disableFollowRedirect: true,
		},
	};
}
