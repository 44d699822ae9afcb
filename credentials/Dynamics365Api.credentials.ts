import type { ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

/**
 * Server-to-server (client credentials) access to a Dataverse environment: n8n's OAuth2 credential
 * fetches the token itself and refreshes it on a 401. The name `dynamics365Api` is the package's
 * public contract (saved workflows reference it), hence no "OAuth2" in it.
 */
// eslint-disable-next-line @n8n/community-nodes/cred-class-oauth2-naming -- public contract: the type is `dynamics365Api`
export class Dynamics365Api implements ICredentialType {
	// eslint-disable-next-line @n8n/community-nodes/cred-class-oauth2-naming -- public contract, see above
	name = 'dynamics365Api';

	extends = ['oAuth2Api'];

	displayName = 'Dynamics 365 / Dataverse OAuth2 API';

	documentationUrl = 'https://learn.microsoft.com/en-us/power-apps/developer/data-platform/authenticate-oauth';

	icon = { light: 'file:dynamics365Api.svg', dark: 'file:dynamics365Api.dark.svg' } as const;

	properties: INodeProperties[] = [
		{
			displayName: 'Environment URL',
			name: 'environmentUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'https://contoso.crm.dynamics.com',
			description: 'The Dataverse environment, without a path',
		},
		{
			displayName: 'Tenant ID',
			name: 'tenantId',
			type: 'string',
			default: '',
			required: true,
			placeholder: '00000000-0000-0000-0000-000000000000',
			description: 'Directory (tenant) ID of the app registration in Microsoft Entra ID',
		},
		{
			displayName: 'Authority URL',
			name: 'authorityUrl',
			type: 'string',
			default: 'https://login.microsoftonline.com',
			description:
				'Token host; change it only for a national cloud (e.g. https://login.microsoftonline.us) or a test server',
		},
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'clientCredentials',
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: '={{$self.authorityUrl.replace(/\\/+$/, "")}}/{{$self.tenantId}}/oauth2/v2.0/token',
		},
		{
			// The environment itself is the resource: `.default` grants the app user's Dataverse roles.
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: '={{$self.environmentUrl.replace(/\\/+$/, "")}}/.default',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			// Entra ID accepts the client secret in the form body (client_secret_post).
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'body',
		},
	];

	// Every environment holds exactly one organization row and every security role may read it.
	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.environmentUrl.replace(/\\/+$/, "")}}/api/data/v9.2',
			url: '/organizations',
			qs: { $select: 'organizationid', $top: 1 },
			headers: { Accept: 'application/json', 'OData-Version': '4.0', 'OData-MaxVersion': '4.0' },
			// Credentials never follow a redirect to another host: a 3xx fails the test instead.
			disableFollowRedirect: true,
		},
	};
}
