import type {
	IAuthenticateGeneric,
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IDataObject,
	IHttpRequestHelper,
	INodeProperties,
} from 'n8n-workflow';

import {
	parseIonApiFile,
	tokenRequestError,
	tokenRequestForm,
	tokenUrl,
} from '../nodes/shared/erp/inforIcs/ionapi';

/**
 * The credential test's URL is resolved from `$credentials` before preAuthentication runs, so it
 * cannot use anything preAuthentication derives: it reads `iu` and `ti` from the pasted file in the
 * expression itself. On a malformed file it resolves to '' and preAuthentication, which runs first
 * inside the request, reports the missing field.
 */
const TENANT_URL_EXPRESSION =
	"={{ (() => { try { const file = JSON.parse($credentials.ionapiFile); return String(file.iu).replace(/\\/+$/, '') + '/' + file.ti; } catch (error) { return ''; } })() }}";

export class InforIonApi implements ICredentialType {
	name = 'inforIonApi';

	displayName = 'Infor ION API';

	icon = { light: 'file:inforIonApi.svg', dark: 'file:inforIonApi.dark.svg' } as const;

	documentationUrl = 'https://docs.infor.com/inforos/2021.x/en-us/useradminlib_cloud/default.html';

	properties: INodeProperties[] = [
		// The file holds the client secret and the service account's secret key.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: '.ionapi File',
			name: 'ionapiFile',
			type: 'string',
			typeOptions: { password: true, rows: 8 },
			default: '',
			required: true,
			placeholder: '{"ti": "TENANT_PRD", "cn": "n8n", "ci": "…", "cs": "…", "iu": "https://…", "pu": "https://…/as/", "ot": "token.oauth2", …}',
			description:
				'Paste the whole .ionapi file downloaded from Infor ION API (Authorized Apps → backend service). With a service account (saak/sask) the password grant is used, otherwise client credentials.',
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		const file = parseIonApiFile(credentials.ionapiFile);
		let answer: IDataObject;
		try {
			answer = (await this.helpers.httpRequest({
				method: 'POST',
				url: tokenUrl(file),
				body: new URLSearchParams(tokenRequestForm(file)),
				json: true,
				// The form carries client_secret and the service account's secret key: a redirect is an
				// answer (reported as an error), never followed to wherever it points.
				disableFollowRedirect: true,
			})) as IDataObject;
		} catch (error) {
			throw tokenRequestError(error, file);
		}
		if (typeof answer?.access_token !== 'string' || answer.access_token === '') {
			throw new Error('Infor ION API token endpoint answered without an access_token');
		}
		return { accessToken: answer.access_token };
	}

	authenticate: IAuthenticateGeneric = {
		type: 'generic',
		properties: {
			headers: {
				Authorization: '=Bearer {{$credentials.accessToken}}',
			},
		},
	};

	// The AR API's default path (the node's base path setting is not visible to a credential test).
	test: ICredentialTestRequest = {
		request: {
			baseURL: TENANT_URL_EXPRESSION,
			url: '/ICS/api/v1/invoices',
			qs: { pageSize: 1 },
			// The bearer token must not follow a redirect to another host.
			disableFollowRedirect: true,
		},
	};
}
