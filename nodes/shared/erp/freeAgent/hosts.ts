import type { IDataObject } from 'n8n-workflow';

/**
 * FreeAgent's hosts, shared by the credential (OAuth2 URLs, test request) and the adapter (API
 * calls), so both always talk to the same place.
 */
export const FREEAGENT_PRODUCTION_HOST = 'https://api.freeagent.com';
export const FREEAGENT_SANDBOX_HOST = 'https://api.sandbox.freeagent.com';

/**
 * The n8n expression form of {@link freeAgentBaseUrl}, for the credential's hidden fields (an
 * expression cannot call TypeScript). `$self` is the credential's own data.
 */
export const FREEAGENT_BASE_URL_EXPRESSION =
	`($self["environment"] === "custom" ? String($self["baseUrl"] || "") : ` +
	`$self["environment"] === "sandbox" ? "${FREEAGENT_SANDBOX_HOST}" : "${FREEAGENT_PRODUCTION_HOST}")` +
	`.replace(/\\/+$/, "")`;

/** The API root (no trailing slash) the credential points at. */
export function freeAgentBaseUrl(credentials: IDataObject): string {
	const environment = credentials.environment ?? 'production';
	const host =
		environment === 'custom'
			? String(credentials.baseUrl ?? '')
			: environment === 'sandbox'
				? FREEAGENT_SANDBOX_HOST
				: FREEAGENT_PRODUCTION_HOST;
	return host.replace(/\/+$/, '');
}
