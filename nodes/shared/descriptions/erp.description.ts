import type { INodeCredentialDescription, INodeProperties } from 'n8n-workflow';

import { ERPS } from '../erp/registry';
import type { ErpName } from '../erp/types';

const erpNames = Object.keys(ERPS) as ErpName[];

export const erpProperty: INodeProperties = {
	displayName: 'ERP',
	name: 'erp',
	type: 'options',
	noDataExpression: true,
	default: 'inforIcs',
	options: erpNames.map((erp) => ({ name: ERPS[erp].displayName, value: erp })),
	description: 'The ERP to post to; its credential is shown below',
};

/** One credential per ERP, shown when that ERP is chosen. */
export const erpCredentials: INodeCredentialDescription[] = erpNames.map((erp) => ({
	name: ERPS[erp].adapter.credentialType,
	required: true,
	displayOptions: { show: { erp: [erp] } },
}));

/** Each ERP's `<erp>Settings` collection (shown only for that ERP). */
export const erpSettingsProperties: INodeProperties[] = erpNames.flatMap((erp) => ERPS[erp].settings);
