import type { ICredentialTestRequest, ICredentialType, INodeProperties } from 'n8n-workflow';

import {
	FREEAGENT_BASE_URL_EXPRESSION,
	FREEAGENT_PRODUCTION_HOST,
	FREEAGENT_SANDBOX_HOST,
} from '../nodes/shared/erp/freeAgent/hosts';
import { FREEAGENT_DEFAULT_USER_AGENT } from '../nodes/shared/erp/freeAgent/settings.description';

export class FreeAgentOAuth2Api implements ICredentialType {
	name = 'freeAgentOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'FreeAgent OAuth2 API';

	documentationUrl = 'https://dev.freeagent.com/docs/oauth';

	icon = { light: 'file:freeAgentOAuth2Api.svg', dark: 'file:freeAgentOAuth2Api.dark.svg' } as const;

	properties: INodeProperties[] = [
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			options: [
				{ name: 'Production', value: 'production', description: FREEAGENT_PRODUCTION_HOST },
				{ name: 'Sandbox', value: 'sandbox', description: FREEAGENT_SANDBOX_HOST },
				{ name: 'Custom', value: 'custom', description: 'A self-hosted proxy or a test server' },
			],
			default: 'production',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://freeagent-proxy.example.com',
			description: 'Root of the FreeAgent API (without /v2)',
			displayOptions: { show: { environment: ['custom'] } },
		},
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'authorizationCode',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default: `={{ ${FREEAGENT_BASE_URL_EXPRESSION} + "/v2/approve_app" }}`,
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default: `={{ ${FREEAGENT_BASE_URL_EXPRESSION} + "/v2/token_endpoint" }}`,
		},
		{
			// FreeAgent grants access to the whole account; it has no scopes.
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'header',
		},
	];

	test: ICredentialTestRequest = {
		request: {
			baseURL: `={{ ${FREEAGENT_BASE_URL_EXPRESSION.replace(/\$self/g, '$credentials')} }}`,
			// The cheapest call every FreeAgent (and the sandbox) answers; /v2/company is not simulated.
			url: '/v2/invoices',
			qs: { per_page: 1 },
			headers: { 'User-Agent': FREEAGENT_DEFAULT_USER_AGENT },
			// Credentials never follow a redirect to another host: a 3xx fails the test instead.
			disableFollowRedirect: true,
		},
	};
}
