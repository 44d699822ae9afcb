import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

/** A Mendix app's published REST service: HTTP Basic auth, optionally a custom header (Mendix "Custom" authentication). */
export class MendixApi implements ICredentialType {
	name = 'mendixApi';

	displayName = 'Mendix REST Service API';

	documentationUrl = 'https://docs.mendix.com/refguide/published-rest-service/';

	icon = { light: 'file:mendixApi.svg', dark: 'file:mendixApi.dark.svg' } as const;

	properties: INodeProperties[] = [
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://invoices-app.mendixcloud.com',
			description: 'Root URL of the Mendix app, without the service path',
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			description: 'User of the published REST service ("Username and password" authentication); empty to send no Basic auth',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{
			displayName: 'Custom Header Name',
			name: 'customHeaderName',
			type: 'string',
			default: '',
			placeholder: 'X-Api-Key',
			description: 'For services with "Custom" authentication: a header the authentication microflow reads',
		},
		{
			displayName: 'Custom Header Value',
			name: 'customHeaderSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
		},
		{
			displayName: 'Test Path',
			name: 'testPath',
			type: 'string',
			default: '/rest/invoices/v1/invoices',
			description: 'A path of the service that answers GET with these credentials; used only by "Test credential"',
		},
	];

	// A function, not a generic block: the custom header is optional and its name is user-defined.
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		const authenticated: IHttpRequestOptions = { ...requestOptions, headers: { ...(requestOptions.headers ?? {}) } };
		const username = typeof credentials.username === 'string' ? credentials.username : '';
		if (username !== '') authenticated.auth = { username, password: String(credentials.password ?? '') };
		const headerName = typeof credentials.customHeaderName === 'string' ? credentials.customHeaderName.trim() : '';
		if (headerName !== '') authenticated.headers![headerName] = String(credentials.customHeaderSecret ?? '');
		return authenticated;
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.baseUrl.replace(/\\/+$/, "")}}',
			url: '={{$credentials.testPath}}',
			qs: { transactionId: 'n8n-credential-test' },
			headers: { Accept: 'application/json' },
			// Credentials never follow a redirect to another host: a 3xx fails the test instead.
			disableFollowRedirect: true,
		},
	};
}
