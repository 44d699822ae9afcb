import type { IDataObject } from 'n8n-workflow';

/** The node's `dynamics365Settings` with every default applied (the engine passes only what the user set). */
export interface DataverseSettings {
	apiPath: string;
	entitySet: string;
	idField: string;
	vendorAccountField: string;
	invoiceNumberField: string;
	referenceField: string;
	dateField: string;
	amountField: string;
	/** Empty: the field is not sent (e.g. when currency is a lookup set through ERP fields). */
	currencyField: string;
	dueDateField: string;
	useAlternateKey: boolean;
	duplicateDetection: boolean;
}

export const DATAVERSE_DEFAULTS: DataverseSettings = {
	apiPath: '/api/data/v9.2',
	entitySet: 'VendorInvoices',
	// Dataverse names a table's primary key `<logical name>id`.
	idField: 'vendorinvoiceid',
	vendorAccountField: 'VendorAccount',
	invoiceNumberField: 'InvoiceNumber',
	referenceField: 'ExternalReference',
	dateField: 'InvoiceDate',
	amountField: 'Amount',
	currencyField: 'Currency',
	dueDateField: 'DueDate',
	useAlternateKey: false,
	duplicateDetection: true,
};

const REQUIRED_NAMES = [
	'entitySet',
	'idField',
	'vendorAccountField',
	'invoiceNumberField',
	'referenceField',
	'dateField',
	'amountField',
] as const;
const OPTIONAL_NAMES = ['currencyField', 'dueDateField'] as const;

// Names are spliced into URLs and $filter expressions: only OData identifiers, so a setting cannot inject.
const ODATA_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function text(value: unknown, fallback: string): string {
	return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}

/** How the table refuses duplicates; never throws, so capabilities can be read whatever the field names say. */
export function uniquenessSettings(raw: IDataObject | undefined): Pick<DataverseSettings, 'useAlternateKey' | 'duplicateDetection'> {
	const flag = (value: unknown, fallback: boolean) => (typeof value === 'boolean' ? value : fallback);
	return {
		useAlternateKey: flag(raw?.useAlternateKey, DATAVERSE_DEFAULTS.useAlternateKey),
		duplicateDetection: flag(raw?.duplicateDetection, DATAVERSE_DEFAULTS.duplicateDetection),
	};
}

/** Throws an Error naming the setting when a name is not a plain OData identifier. */
export function resolveDataverseSettings(raw: IDataObject | undefined): DataverseSettings {
	const given = raw ?? {};
	const settings: DataverseSettings = {
		...DATAVERSE_DEFAULTS,
		apiPath: '/' + text(given.apiPath, DATAVERSE_DEFAULTS.apiPath).replace(/^\/+|\/+$/g, ''),
		...uniquenessSettings(given),
	};
	for (const name of REQUIRED_NAMES) settings[name] = text(given[name], DATAVERSE_DEFAULTS[name]);
	for (const name of OPTIONAL_NAMES) {
		settings[name] = typeof given[name] === 'string' ? (given[name] as string).trim() : DATAVERSE_DEFAULTS[name];
	}
	for (const name of [...REQUIRED_NAMES, ...OPTIONAL_NAMES]) {
		const value = settings[name];
		if (value !== '' && !ODATA_IDENTIFIER.test(value)) {
			throw new Error(`Dynamics 365 setting "${name}" must be a plain OData name (letters, digits, _), got "${value}"`);
		}
	}
	if (!/^\/[A-Za-z0-9._/-]*$/.test(settings.apiPath)) {
		throw new Error(`Dynamics 365 setting "apiPath" must be a URL path such as /api/data/v9.2, got "${settings.apiPath}"`);
	}
	return settings;
}

/** `{environmentUrl}{apiPath}` without a trailing slash; throws when the credential has no usable URL. */
export function dataverseApiBase(credentials: IDataObject, settings: DataverseSettings): string {
	const environmentUrl = typeof credentials.environmentUrl === 'string' ? credentials.environmentUrl.trim() : '';
	if (!/^https?:\/\/[^/]+/i.test(environmentUrl)) {
		throw new Error('The Dynamics 365 credential needs an Environment URL such as https://contoso.crm.dynamics.com');
	}
	return environmentUrl.replace(/\/+$/, '') + settings.apiPath;
}
