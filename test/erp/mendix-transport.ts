import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { MendixApi } from '../../credentials/MendixApi.credentials';
import type { ErpTransport, HttpRequest, HttpResult } from '../../nodes/shared/erp/types';
import { applyAuthenticate, credentialData, sendWithFetch } from './dynamics365-transport';

/** Real HTTP with the mendixApi credential applied through its own `authenticate`, as n8n does. */
export class MendixTestTransport implements ErpTransport {
	readonly credentials: ICredentialDataDecryptedObject;
	private readonly type = new MendixApi();

	constructor(given: Record<string, unknown>) {
		this.credentials = credentialData(this.type, given);
	}

	async send(request: HttpRequest): Promise<HttpResult> {
		return await sendWithFetch(await applyAuthenticate(this.type, this.credentials, request));
	}
}
