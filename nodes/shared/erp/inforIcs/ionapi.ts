/**
 * The `.ionapi` file Infor's ION API admin downloads (ti, cn, ci, cs, iu, pu, ot, oa, or, saak, sask), pasted whole into the
 * `inforIonApi` credential. Parsed here once for the credential and the adapter.
 */
export interface IonApiFile {
	/** Tenant. */
	ti: string;
	/** Client id and secret. */
	ci: string;
	cs: string;
	/** Gateway base URL. */
	iu: string;
	/** Auth server base URL and token path (appended to it). */
	pu: string;
	ot: string;
	/** Service-account access/secret key: present → password grant, absent → client credentials. */
	saak?: string;
	sask?: string;
}

const REQUIRED_FIELDS = ['ti', 'ci', 'cs', 'iu', 'pu', 'ot'] as const;

/** Throws an error naming what is wrong; it never quotes the file (it holds secrets). */
export function parseIonApiFile(text: unknown): IonApiFile {
	if (typeof text !== 'string' || text.trim() === '') {
		throw new Error('The .ionapi file is empty: paste the whole file downloaded from Infor ION API');
	}
	const parsed = parseJsonQuietly(text);
	if (parsed === INVALID_JSON) {
		throw new Error('The .ionapi file is not valid JSON: paste the whole file downloaded from Infor ION API');
	}
	if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
		throw new Error('The .ionapi file must be a JSON object: paste the whole file downloaded from Infor ION API');
	}
	const fields = parsed as Record<string, unknown>;
	const missing = REQUIRED_FIELDS.filter((name) => typeof fields[name] !== 'string' || fields[name] === '');
	if (missing.length > 0) {
		throw new Error(`The .ionapi file lacks the field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
	}
	const optional = (name: string) =>
		typeof fields[name] === 'string' && fields[name] !== '' ? (fields[name] as string) : undefined;
	return {
		ti: fields.ti as string,
		ci: fields.ci as string,
		cs: fields.cs as string,
		iu: fields.iu as string,
		pu: fields.pu as string,
		ot: fields.ot as string,
		saak: optional('saak'),
		sask: optional('sask'),
	};
}

const INVALID_JSON = Symbol('invalid JSON');

// JSON.parse's own message quotes the input, which here holds secrets: it is dropped.
function parseJsonQuietly(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return INVALID_JSON;
	}
}

/** `{pu}{ot}`: the token path is appended to the auth server URL as the file gives them. */
export function tokenUrl(file: IonApiFile): string {
	return joinUrl(file.pu, file.ot);
}

/** `{iu}/{ti}`: the gateway URL of the tenant, below which each product's path sits. */
export function tenantUrl(file: IonApiFile): string {
	return joinUrl(file.iu, file.ti);
}

/** The form the token endpoint expects: password grant with the service account, else client credentials. */
export function tokenRequestForm(file: IonApiFile): Record<string, string> {
	const client = { client_id: file.ci, client_secret: file.cs };
	if (file.saak && file.sask) {
		return { grant_type: 'password', username: file.saak, password: file.sask, ...client };
	}
	return { grant_type: 'client_credentials', ...client };
}

/** Values that must never appear in a message. */
export function ionApiSecrets(file: IonApiFile): string[] {
	return [file.cs, file.sask, file.saak, file.ci].filter((value): value is string => !!value);
}

export function joinUrl(base: string, path: string): string {
	if (path === '') return base;
	return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/**
 * The error preAuthentication throws when the token endpoint says no. It carries an HTTP-like
 * `response` so n8n and our transport see a status: a rejected login (400/401/403) becomes 401
 * (the adapter then reports "Infor rejected the credentials"); throttling and outages keep theirs.
 * Network failures keep their `code`. The text is OAuth's own `error`/`error_description`, with
 * every secret of the file blanked out.
 */
export function tokenRequestError(error: unknown, file: IonApiFile): Error {
	const failed = (error ?? {}) as {
		code?: unknown;
		httpCode?: unknown;
		response?: { status?: unknown; data?: unknown; headers?: unknown };
		context?: { data?: unknown };
	};
	const rawStatus = Number(failed.response?.status ?? failed.httpCode);
	const data = (failed.response?.data ?? failed.context?.data) as Record<string, unknown> | undefined;
	const oauthText = [data?.error, data?.error_description]
		.filter((part): part is string => typeof part === 'string' && part !== '')
		.join(': ');
	const reason = redact(oauthText, ionApiSecrets(file));

	if (Number.isInteger(rawStatus) && rawStatus >= 100) {
		const rejected = rawStatus === 400 || rawStatus === 401 || rawStatus === 403;
		if (rawStatus >= 300 && rawStatus < 400) {
			// Not followed (the form holds the secrets) and no API call was made: a plain error, which
			// the transport reports as "nothing was sent" and the invoice as permanent.
			const location = (failed.response?.headers as { location?: unknown } | undefined)?.location;
			const where = typeof location === 'string' ? location.split(/[?#]/)[0].slice(0, 200) : 'no Location';
			return new Error(
				`Infor ION API token endpoint answered HTTP ${rawStatus} redirecting to ${where}; redirects are never followed with the .ionapi secrets: check pu and ot in the file`,
			);
		}
		const message = rejected
			? `Infor ION API rejected the credentials of the .ionapi file${reason ? ` (${reason})` : ''}`
			: `Infor ION API token request failed with HTTP ${rawStatus}${reason ? ` (${reason})` : ''}`;
		return Object.assign(new Error(message), {
			response: { status: rejected ? 401 : rawStatus, headers: {}, data: { error: message } },
		});
	}
	const code = typeof failed.code === 'string' ? failed.code : undefined;
	return Object.assign(
		new Error(`Infor ION API token endpoint could not be reached${code ? ` (${code})` : ''}`),
		code ? { code } : {},
	);
}

export function redact(text: string, secrets: string[]): string {
	return secrets.reduce((result, secret) => (secret.length >= 4 ? result.split(secret).join('*****') : result), text);
}
