import { fingerprintOf } from '../../nodes/shared/ledger/fingerprint';
import { decodeRecord, encodeRecord } from '../../nodes/shared/ledger/staticData/compact';
import type { LedgerRecord } from '../../nodes/shared/ledger/types';
import { deriveReference, newCorrelationId } from '../../nodes/shared/items';

const at = Date.UTC(2026, 10, 24, 9, 15, 42, 317);

/** POSTED records as our ERPs leave them: realistic keys, references and ids, no stored response. */
const realistic: Array<Pick<LedgerRecord, 'key' | 'reference' | 'erpId'> & { erp: string; latencyMs?: number }> = [
	{ erp: 'Dynamics 365 (GUID id)', key: 'CONTOSO-2026-11-24-INV-2026-004217', reference: 'CONTOSO-INV-2026-004217', erpId: '3f2504e0-4f89-11d3-9a0c-0305e82c3301', latencyMs: 1843 },
	{ erp: 'Infor (derived reference)', key: 'ACME-2026-11-24-INV-2026-004217', reference: deriveReference('ACME-2026-11-24-INV-2026-004217'), erpId: 'INV-0000912345', latencyMs: 412 },
	{ erp: 'FreeAgent (URL id)', key: 'ACME-LTD-2026-11-24-0042', reference: 'ACME-0042', erpId: 'https://api.freeagent.com/v2/invoices/12345678', latencyMs: 650 },
	{ erp: 'Erply (numeric id)', key: 'SHOP-12-2026-11-24-R-0004217', reference: 'R-0004217', erpId: '1004217' },
	{ erp: 'Mendix', key: 'BV-NL-2026-11-24-F2026-04217', reference: 'F2026-04217', erpId: '281474976761817' },
];

describe('a POSTED record without response costs at most 200 bytes of static data', () => {
	it.each(realistic)('$erp', ({ key, reference, erpId, latencyMs }) => {
		const record: LedgerRecord = {
			key,
			fingerprint: fingerprintOf({ key, amount: 1234.5, currency: 'EUR', lines: [{ description: 'Consulting', quantity: 3, unitPrice: 411.5 }] }),
			state: 'POSTED',
			reference,
			erpId,
			attempts: 2,
			correlationId: newCorrelationId(),
			firstSeenAt: at,
			updatedAt: at + 2_317,
			version: 4,
			...(latencyMs !== undefined ? { latencyMs } : {}),
		};
		const tuple = encodeRecord(record);
		const bytes = Buffer.byteLength(`${JSON.stringify(key)}:${JSON.stringify(tuple)},`);
		expect(bytes).toBeLessThanOrEqual(200);
		expect(decodeRecord(key, JSON.parse(JSON.stringify(tuple)))).toEqual(record);
	});

	it('round-trips every optional field (lease, next attempt, error, response)', () => {
		const record: LedgerRecord = {
			key: 'k',
			fingerprint: '*',
			state: 'RETRY',
			reference: 'r',
			attempts: 3,
			correlationId: 'c',
			firstSeenAt: at,
			updatedAt: at + 86_400_000 * 40,
			version: 9,
			leaseUntil: at + 1,
			nextAttemptAt: at + 2,
			latencyMs: 3,
			error: '503 Service Unavailable',
			response: { invoiceId: 'ERP-1', lines: [1, 2] },
		};
		expect(decodeRecord('k', JSON.parse(JSON.stringify(encodeRecord(record))))).toEqual(record);
	});
});
