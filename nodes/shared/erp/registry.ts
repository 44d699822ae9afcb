import type { INodeProperties } from 'n8n-workflow';

import { dynamics365Adapter } from './dynamics365/adapter';
import { dynamics365SettingsProperties } from './dynamics365/settings.description';
import { erplyAdapter } from './erply/adapter';
import { erplySettingsProperties } from './erply/settings.description';
import { freeAgentAdapter } from './freeAgent/adapter';
import { freeAgentSettingsProperties } from './freeAgent/settings.description';
import { genericRestAdapter } from './genericRest/adapter';
import { genericRestSettingsProperties } from './genericRest/settings.description';
import { inforIcsAdapter } from './inforIcs/adapter';
import { inforIcsSettingsProperties } from './inforIcs/settings.description';
import { mendixAdapter } from './mendix/adapter';
import { mendixSettingsProperties } from './mendix/settings.description';
import type { ErpAdapter, ErpName } from './types';

export interface ErpEntry {
	displayName: string;
	adapter: ErpAdapter;
	settings: INodeProperties[];
}

/** The `erp` parameter → its adapter, credential type and node settings. The engine never names an ERP. */
export const ERPS: Record<ErpName, ErpEntry> = {
	inforIcs: { displayName: 'Infor ICS AR (ION API)', adapter: inforIcsAdapter, settings: inforIcsSettingsProperties },
	dynamics365: { displayName: 'Microsoft Dynamics 365 / Dataverse', adapter: dynamics365Adapter, settings: dynamics365SettingsProperties },
	freeAgent: { displayName: 'FreeAgent', adapter: freeAgentAdapter, settings: freeAgentSettingsProperties },
	erply: { displayName: 'Erply', adapter: erplyAdapter, settings: erplySettingsProperties },
	mendix: { displayName: 'Mendix REST Service', adapter: mendixAdapter, settings: mendixSettingsProperties },
	genericRest: { displayName: 'Generic REST ERP', adapter: genericRestAdapter, settings: genericRestSettingsProperties },
};

export function erpEntry(erp: string): ErpEntry | undefined {
	return Object.prototype.hasOwnProperty.call(ERPS, erp) ? ERPS[erp as ErpName] : undefined;
}
