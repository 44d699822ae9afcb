import { fingerprintOf } from '../../nodes/shared/ledger/fingerprint';
import { decodeRecord, encodeRecord, tupleFromText, tupleToText } from '../../nodes/shared/ledger/staticData/compact';
import { escapePersistedKey } from '../../nodes/shared/ledger/staticData/registry';
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
		const text = tupleToText(encodeRecord(record));
		// What n8n writes for it: the escaped key and the tuple's text, as JSON.
		const bytes = Buffer.byteLength(`${JSON.stringify(escapePersistedKey(key))}:${JSON.stringify(text)},`);
		expect(bytes).toBeLessThanOrEqual(200);
		expect(decodeRecord(key, tupleFromText(JSON.parse(JSON.stringify(text))))).toEqual(record);
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
		expect(decodeRecord('k', tupleFromText(JSON.parse(JSON.stringify(tupleToText(encodeRecord(record))))))).toEqual(record);
	});

	it('keeps quotes, apostrophes, backslashes and other characters in any field as they were', () => {
		const awkward = `O'Brien "Ltd" \\ back\\slash '' "" \n\u0000 € 🧾 ' "`;
		const record: LedgerRecord = {
			key: 'k',
			fingerprint: '*',
			state: 'FAILED',
			reference: awkward,
			erpId: `"${awkward}'`,
			attempts: 1,
			correlationId: "it's",
			firstSeenAt: at,
			updatedAt: at,
			version: 1,
			error: `422 {"message":"reference '${awkward}' is taken"}`,
			response: { [awkward]: [awkward, { quote: '"', apostrophe: "'" }] },
		};
		const saved = JSON.parse(JSON.stringify({ r: tupleToText(encodeRecord(record)) })) as { r: string };
		expect(decodeRecord('k', tupleFromText(saved.r))).toEqual(record);
	});

	it('reads nothing from text it did not write', () => {
		for (const text of ['', 'not json', '{}', "['x']", '[1,2,3]', '"[1]"']) expect(tupleFromText(text)).toBeUndefined();
	});
});
