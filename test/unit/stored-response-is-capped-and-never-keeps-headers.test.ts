import type { IDataObject } from 'n8n-workflow';

import { storedResponse, TRUNCATION_MARKER } from '../../nodes/shared/ledger/storedResponse';

describe('a response stored for replays', () => {
	it('is kept whole under the cap, without any headers at any depth', () => {
		const answer = { invoiceId: 'ERP-1', headers: { authorization: 'Bearer x' }, request: { Headers: { cookie: 'c' }, path: '/invoices' } };
		expect(storedResponse(answer, 4096)).toEqual({ response: { invoiceId: 'ERP-1', request: { path: '/invoices' } } });
	});

	it('keeps a field named __proto__ as a field', () => {
		const answer = JSON.parse('{"__proto__":{"polluted":true},"invoiceId":"ERP-2"}') as IDataObject;
		const { response } = storedResponse(answer, 4096);
		expect(Object.keys(response)).toEqual(['__proto__', 'invoiceId']);
		expect(JSON.stringify(response)).toBe('{"__proto__":{"polluted":true},"invoiceId":"ERP-2"}');
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
	});

	it('over the cap keeps the first fields that fit, names the dropped ones, and stays within the cap', () => {
		const answer: IDataObject = { invoiceId: 'ERP-3', status: 'created', pdf: 'p'.repeat(100_000) };
		for (let n = 0; n < 2000; n++) answer[`line${n}`] = `item ${n}`;
		const { response, truncatedFrom } = storedResponse(answer, 1024);
		expect(truncatedFrom).toBe(JSON.stringify(answer).length);
		expect(response).toMatchObject({ invoiceId: 'ERP-3', status: 'created' });
		expect(response).not.toHaveProperty('pdf');
		const marker = response[TRUNCATION_MARKER] as { droppedFields: string[]; droppedCount: number; originalBytes: number };
		expect(marker.droppedFields[0]).toBe('pdf');
		expect(marker.droppedCount).toBeGreaterThan(1900);
		expect(JSON.stringify(response).length).toBeLessThanOrEqual(1024);
	});
});
