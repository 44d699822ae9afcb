import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { erplyErrorMessage } from '../nodes/shared/erp/erply/classify';
import { erplyEndpoint, parseErplyBody, sessionKeyOf, verifyUserForm } from '../nodes/shared/erp/erply/endpoint';

export class ErplyApi implements ICredentialType {
	name = 'erplyApi';

	displayName = 'Erply API';

	documentationUrl = 'https://learn-api.erply.com/getting-started/authentication';

	icon = { light: 'file:erplyApi.svg', dark: 'file:erplyApi.dark.svg' } as const;

	properties: INodeProperties[] = [
		{
			displayName: 'Client Code',
			name: 'clientCode',
			type: 'string',
			required: true,
			default: '',
			description: 'Your Erply account number',
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			required: true,
			default: '',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			required: true,
			default: '',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://123456.erply.com/api/',
			description: 'Leave empty for https://{clientCode}.erply.com/api/; set it for a proxy or a test server',
		},
		{
			displayName: 'Session Key',
			name: 'sessionKey',
			type: 'hidden',
			typeOptions: { expirable: true },
			default: '',
		},
	];

	/** Logs in with verifyUser; n8n stores the key and runs this again when the field is empty. */
	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		const body: unknown = await this.helpers.httpRequest({
			method: 'POST',
			url: erplyEndpoint(credentials),
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: verifyUserForm(credentials),
			json: true,
			// The form carries the password: a redirect is an error, never followed to another host.
			disableFollowRedirect: true,
		});
		const sessionKey = sessionKeyOf(body);
		if (!sessionKey) {
			const status = parseErplyBody(body)?.status;
			throw new Error(
				`Erply login (verifyUser) failed: ${status?.errorCode ? erplyErrorMessage(status.errorCode, status.errorField) : 'no session key in the answer'}`,
			);
		}
		return { sessionKey };
	}

	/**
	 * Erply wants the session in the form body, not in a header. The adapter already puts it there
	 * (with a key it may have renewed itself), so only fill in what a request lacks: this serves the
	 * credential test and other callers without overwriting a fresher key.
	 */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const body = requestOptions.body;
		const auth: Record<string, string> = {
			clientCode: String(credentials.clientCode ?? ''),
			sessionKey: String(credentials.sessionKey ?? ''),
		};
		if (body instanceof URLSearchParams) {
			if (body.get('request') === 'verifyUser') return requestOptions;
			for (const [name, value] of Object.entries(auth)) if (!body.has(name)) body.set(name, value);
		} else if (typeof body === 'object' && body !== null && !Buffer.isBuffer(body)) {
			const fields = body as IDataObject;
			if (fields.request === 'verifyUser') return requestOptions;
			requestOptions.body = { ...auth, ...fields };
		}
		return requestOptions;
	}

	// The expression repeats erplyEndpoint(): a test request's URL cannot call TypeScript.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{ $credentials.baseUrl || "https://" + String($credentials.clientCode).trim() + ".erply.com/api/" }}',
			url: '',
			method: 'POST',
			headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
			body: { request: 'getSalesDocuments', recordsOnPage: 1 },
			// The form carries the session key: never follow a redirect with it.
			disableFollowRedirect: true,
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'status.responseStatus',
					value: 'error',
					message: 'Erply refused the request: check the client code, username and password',
				},
			},
		],
	};
}
