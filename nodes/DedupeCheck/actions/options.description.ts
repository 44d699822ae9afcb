import type { INodeProperties } from 'n8n-workflow';

import { LEDGER_STATES } from '../../shared/ledger/types';

const show = (operation: string[]) => ({ show: { '/operation': operation } });

export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		{
			displayName: 'Lease (Seconds)',
			name: 'leaseSeconds',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 300,
			displayOptions: show(['checkAndReserve']),
			description:
				'How long a New key stays reserved for this run. If the run dies before marking it, the key becomes UNKNOWN (to be verified), never New again.',
		},
		{
			displayName: 'Max Ledger Size (MB)',
			name: 'maxMegabytes',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 32,
			description:
				'Size bound of the ledger in megabytes, beside Max Records: the oldest POSTED records are dropped first; records in flight or awaiting review (FAILED, UNKNOWN) never are',
		},
		{
			displayName: 'Max Records',
			name: 'maxRecords',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 50000,
			description:
				'Size bound of the ledger: the oldest POSTED records are dropped first; records in flight or awaiting review (FAILED, UNKNOWN) never are — only Purge removes them',
		},
		{
			displayName: 'Max Stored Response (Bytes)',
			name: 'maxResponseBytes',
			type: 'number',
			typeOptions: { minValue: 256 },
			default: 4096,
			displayOptions: show(['markPosted']),
			description:
				'Largest response kept for replays; a larger one keeps its first fields and names the dropped ones under "_truncated". Headers are never stored.',
		},
		{
			displayName: 'Older Than (Minutes)',
			name: 'olderThanMinutes',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			displayOptions: show(['list', 'purge']),
			description: 'Only records last changed more than this many minutes ago (0: all)',
		},
		{
			displayName: 'States',
			name: 'states',
			type: 'multiOptions',
			options: LEDGER_STATES.map((state) => ({ name: state, value: state })),
			default: [],
			displayOptions: show(['list', 'purge']),
			description: 'Only records in these states (none selected: all for List, POSTED and FAILED for Purge)',
		},
		{
			displayName: 'Posted Records Kept Across Restarts',
			name: 'restartRecords',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 100,
			description:
				'Workflow Static Data only: how many of the newest POSTED records n8n saves with the workflow, so that they are still known after a restart (older ones stay in memory until then; the Post node finds them in the ERP). n8n rewrites them after every execution: each 1,000 cost ~230 KB written per execution.',
		},
		{
			displayName: 'TTL (Hours)',
			name: 'ttlHours',
			type: 'number',
			typeOptions: { minValue: 1 },
			default: 720,
			description: 'How long POSTED records are remembered. Records in flight or awaiting review (FAILED, UNKNOWN) are never dropped.',
		},
		{
			displayName: 'Wait for In-Flight (Seconds)',
			name: 'waitForInFlightSeconds',
			type: 'number',
			typeOptions: { minValue: 0 },
			default: 0,
			displayOptions: show(['checkAndReserve']),
			description:
				'When another run is posting the same key, wait up to this long for it to finish, then leave by Duplicate with its stored response (0: leave by In Progress at once)',
		},
	],
};
