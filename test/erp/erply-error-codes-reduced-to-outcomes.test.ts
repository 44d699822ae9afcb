import { Settings } from 'luxon';

import { erplyAdapter } from '../../nodes/shared/erp/erply/adapter';
import { fail, respond } from './erply-freeagent-fake-transport';

const { classify } = erplyAdapter;

function erplyError(errorCode: number, errorField?: string) {
	return respond(200, { status: { request: 'saveSalesDocument', responseStatus: 'error', errorCode, ...(errorField ? { errorField } : {}) }, records: [] });
}

afterEach(() => {
	Settings.now = () => Date.now();
});

describe('Erply answers with HTTP 200 even for errors: the error code decides the outcome', () => {
	it('1206 (temporaryUUID already used) means the invoice exists', () => {
		expect(classify(erplyError(1206))).toMatchObject({ outcome: 'exists', httpStatus: 200 });
	});

	it.each([1204, 1205])('%i on a create means the first save may still be running: verify, do not retry blindly', (code) => {
		const result = classify(erplyError(code));
		expect(result.outcome).toBe('ambiguous');
		expect(result.message).toMatch(/in progress/);
		expect(result.message).toContain(String(code));
	});

	it('1002 (hourly quota) waits for the start of the next hour', () => {
		const tenFortyTwo = Date.parse('2024-05-01T10:42:17Z');
		Settings.now = () => tenFortyTwo;
		const result = classify(erplyError(1002));
		expect(result.outcome).toBe('retryable');
		expect(result.retryNotBefore).toBe(Date.parse('2024-05-01T11:00:00Z'));
	});

	it.each([1000, 1003, 1008])('%i (maintenance, database) is retryable', (code) => {
		expect(classify(erplyError(code)).outcome).toBe('retryable');
	});

	it.each([1009, 1010, 1011, 1012, 1013, 1014, 1015, 1016, 1020, 1050, 1051, 1052, 1054, 1055, 1060, 1061, 1062, 1063, 1064, 1065])(
		'%i is permanent and names the code and the field',
		(code) => {
			const result = classify(erplyError(code, 'customerID'));
			expect(result.outcome).toBe('permanent');
			expect(result.message).toContain(`Erply error ${code}`);
			expect(result.message).toContain('customerID');
		},
	);

	it('a success, also one where duplicate detection returns the existing document, is created with that id', () => {
		const ok = respond(200, { status: { responseStatus: 'ok', errorCode: 0 }, records: [{ invoiceID: 77 }] });
		expect(classify(ok)).toMatchObject({ outcome: 'created', erpId: '77' });
		// A JSON body that arrived as text is read too.
		expect(classify(respond(200, JSON.stringify({ status: { responseStatus: 'ok', errorCode: 0 }, records: [{ invoiceID: 78 }] }))).erpId).toBe('78');
	});

	it('an answer that does not say what happened is ambiguous', () => {
		expect(classify(respond(200, { status: { responseStatus: 'ok', errorCode: 0 }, records: [] })).outcome).toBe('ambiguous');
		expect(classify(respond(200, '<html>proxy error</html>')).outcome).toBe('ambiguous');
		expect(classify(respond(502)).outcome).toBe('ambiguous');
		expect(classify(fail('timeout', true)).outcome).toBe('ambiguous');
		expect(classify(fail('refused', false)).outcome).toBe('retryable');
		expect(classify(respond(429)).outcome).toBe('retryable');
	});
});
