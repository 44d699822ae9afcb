import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { erply, openSession, salesDocument } from './erply-helpers';
import { arrived } from './helpers';

describe('Erply: a save retried with the same temporaryUUID, and resends without one', () => {
	let sandbox: Sandbox;
	let base: string;
	let sessionKey: string;

	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['erply'], clock: 'manual' });
		base = sandbox.urls.erply;
	});
	afterAll(() => sandbox.stop());
	beforeEach(async () => {
		sandbox.reset('erply');
		sandbox.setFaults('erply', {});
		sessionKey = await openSession(base);
	});

	const save = (fields: Record<string, string>) => erply(base, 'saveSalesDocument', { sessionKey, ...salesDocument(fields) });

	it('creates a sales document and returns its invoiceID; the same UUID again gets 1206 without the id', async () => {
		const first = await save({ temporaryUUID: 'uuid-1', customReferenceNumber: 'REF-1', invoiceNo: 'A-1' });
		expect(first.httpStatus).toBe(200);
		expect(first.status).toMatchObject({ responseStatus: 'ok', errorCode: 0 });
		expect(first.records[0]).toMatchObject({ invoiceID: 1, invoiceNo: 'A-1', total: 25 });

		const retry = await save({ temporaryUUID: 'uuid-1', customReferenceNumber: 'REF-1', invoiceNo: 'A-1' });
		expect(retry.httpStatus).toBe(200);
		expect(retry.status).toMatchObject({ responseStatus: 'error', errorCode: 1206, errorField: 'temporaryUUID' });
		expect(retry.records).toEqual([]);
		expect(sandbox.truth('erply').countByReference).toEqual({ 'REF-1': 1 });
	});

	it('forgets a temporaryUUID after 24 hours on the sandbox clock', async () => {
		await save({ temporaryUUID: 'uuid-old', customReferenceNumber: 'REF-OLD' });
		sandbox.advanceClock(24 * 3_600_000 + 1);
		const session = await openSession(base);
		const later = await erply(base, 'saveSalesDocument', { sessionKey: session, ...salesDocument({ temporaryUUID: 'uuid-old', customReferenceNumber: 'REF-OLD' }) });
		expect(later.status.responseStatus).toBe('ok');
		expect(sandbox.truth('erply').duplicates).toEqual(['REF-OLD']);
	});

	it('answers 1205 to a second save with the same UUID while the first is still being processed', async () => {
		sandbox.setFaults('erply', { options: { processingDelayMs: 50 } });
		// The first is held in the sandbox until the second arrived, and the second is sent only once the
		// first reached it: the second finds the first in flight by construction, not by a race of delays.
		sandbox.gather('erply', 2);
		const first = save({ temporaryUUID: 'uuid-2', customReferenceNumber: 'REF-2' });
		await arrived(sandbox, 'erply', 2);
		const second = await save({ temporaryUUID: 'uuid-2', customReferenceNumber: 'REF-2' });
		expect(second.status).toMatchObject({ responseStatus: 'error', errorCode: 1205 });
		expect((await first).status.responseStatus).toBe('ok');
		expect(sandbox.truth('erply').countByReference).toEqual({ 'REF-2': 1 });
	});

	it('answers 1204 instead when inProgressCode says so', async () => {
		sandbox.setFaults('erply', { options: { processingDelayMs: 50, inProgressCode: 1204 } });
		sandbox.gather('erply', 2);
		const first = save({ temporaryUUID: 'uuid-3' });
		await arrived(sandbox, 'erply', 2);
		expect((await save({ temporaryUUID: 'uuid-3' })).status.errorCode).toBe(1204);
		await first;
	});

	it('rejects a malformed temporaryUUID with 1016 and stores nothing', async () => {
		const answer = await save({ temporaryUUID: 'has spaces/and slashes' });
		expect(answer.status).toMatchObject({ responseStatus: 'error', errorCode: 1016, errorField: 'temporaryUUID' });
		expect(sandbox.truth('erply').invoices).toHaveLength(0);
	});

	it('treats a resend of the same document (invoiceNo, date, time, type, rows) as a success with the EXISTING id', async () => {
		const fields = { invoiceNo: 'B-7', date: '2026-01-05', time: '10:15:00', customReferenceNumber: 'REF-B7' };
		const first = await save(fields);
		const resend = await save(fields);
		expect(resend.status.responseStatus).toBe('ok');
		expect(resend.records[0].invoiceID).toBe(first.records[0].invoiceID);
		// Without time Erply cannot tell it is a resend: a second document appears.
		const { time: _time, ...withoutTime } = fields;
		await save(withoutTime);
		await save(withoutTime);
		expect(sandbox.truth('erply').countByReference).toEqual({ 'REF-B7': 3 });
	});

	it('names the missing or malformed field on validation errors', async () => {
		const missingCustomer = await erply(base, 'saveSalesDocument', { sessionKey, ...salesDocument({ customerID: '' }) });
		expect(missingCustomer.status).toMatchObject({ errorCode: 1010, errorField: 'customerID' });
		const badAmount = await save({ amount1: 'two' });
		expect(badAmount.status).toMatchObject({ errorCode: 1014, errorField: 'amount1' });
		expect(sandbox.truth('erply').invoices).toHaveLength(0);
	});
});
