import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { ERPLY_ACCOUNT, erply, openSession, salesDocument } from './erply-helpers';

describe('Erply: sessions that expire, an hourly quota, and finding documents again', () => {
	let sandbox: Sandbox;
	let base: string;

	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['erply'], clock: 'manual' });
		base = sandbox.urls.erply;
	});
	afterAll(() => sandbox.stop());
	beforeEach(() => {
		sandbox.reset('erply');
		sandbox.setFaults('erply', {});
	});

	it('refuses a wrong password with 1051 (HTTP 200) and no session key', async () => {
		const answer = await erply(base, 'verifyUser', { username: ERPLY_ACCOUNT.username, password: 'wrong' });
		expect(answer.httpStatus).toBe(200);
		expect(answer.status).toMatchObject({ responseStatus: 'error', errorCode: 1051 });
		expect(answer.records).toEqual([]);
	});

	it('expires a session after sessionLength seconds (1054) and does not know invented keys (1055)', async () => {
		const sessionKey = await openSession(base, 120);
		expect((await erply(base, 'getSalesDocuments', { sessionKey })).status.responseStatus).toBe('ok');
		sandbox.advanceClock(120_001);
		const expired = await erply(base, 'saveSalesDocument', { sessionKey, ...salesDocument({ customReferenceNumber: 'R-1' }) });
		expect(expired.status).toMatchObject({ responseStatus: 'error', errorCode: 1054 });
		expect(sandbox.truth('erply').invoices).toHaveLength(0);
		expect((await erply(base, 'getSalesDocuments', { sessionKey: 'made-up' })).status.errorCode).toBe(1055);
	});

	it('finds a document by number, by customReferenceNumber and by date range, with paging', async () => {
		const sessionKey = await openSession(base);
		const reference = "O'Brien & Co #5 Zürich";
		const dates = ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05'];
		for (const [index, date] of dates.entries()) {
			const saved = await erply(base, 'saveSalesDocument', {
				sessionKey,
				...salesDocument({ invoiceNo: `N-${index + 1}`, date, customReferenceNumber: index === 2 ? reference : `R-${index + 1}` }),
			});
			expect(saved.status.responseStatus).toBe('ok');
		}
		const byNumber = await erply(base, 'getSalesDocuments', { sessionKey, number: 'N-3' });
		expect(byNumber.records.map((record) => record.customReferenceNumber)).toEqual([reference]);
		const byReference = await erply(base, 'getSalesDocuments', { sessionKey, customReferenceNumber: reference });
		expect(byReference.records.map((record) => record.number)).toEqual(['N-3']);
		expect(sandbox.truth('erply').countByReference[reference]).toBe(1);

		const page2 = await erply(base, 'getSalesDocuments', { sessionKey, dateFrom: '2026-01-02', dateTo: '2026-01-05', recordsOnPage: '2', pageNo: '2' });
		expect(page2.status).toMatchObject({ recordsTotal: 4, recordsInResponse: 2 });
		expect(page2.records.map((record) => record.number)).toEqual(['N-4', 'N-5']);
	});

	it('answers 1002 once the hourly quota is spent, until the next clock hour', async () => {
		sandbox.setFaults('erply', { options: { perHour: 3 } });
		// A two-hour session, so the call after the hour fails on the quota alone if at all.
		const sessionKey = await openSession(base, 7200);
		await erply(base, 'getSalesDocuments', { sessionKey });
		await erply(base, 'getSalesDocuments', { sessionKey });
		const over = await erply(base, 'saveSalesDocument', { sessionKey, ...salesDocument({ customReferenceNumber: 'R-Q' }) });
		expect(over.status).toMatchObject({ responseStatus: 'error', errorCode: 1002 });
		expect(sandbox.truth('erply').invoices).toHaveLength(0);
		sandbox.advanceClock(3_600_000);
		expect((await erply(base, 'getSalesDocuments', { sessionKey })).status.responseStatus).toBe('ok');
	});

	it('answers maintenance codes (1000/1003/1008) for every call while the option is set', async () => {
		for (const code of [1000, 1003, 1008]) {
			sandbox.setFaults('erply', { options: { maintenance: code } });
			expect((await erply(base, 'verifyUser', { username: 'demo', password: 'demo-password' })).status.errorCode).toBe(code);
		}
	});

	it('commits on commitThenTimeout although the socket is reset; stores nothing on failBeforeCommit or an injected throttle', async () => {
		const sessionKey = await openSession(base);
		sandbox.setFaults('erply', {
			schedule: [
				{ write: 1, fault: 'throttle' },
				{ write: 2, fault: 'failBeforeCommit' },
				{ write: 3, fault: 'commitThenTimeout' },
			],
			failBeforeCommitStatus: 503,
			commitThenTimeoutMode: 'reset',
		});
		const fields = { sessionKey, ...salesDocument({ customReferenceNumber: 'R-F', temporaryUUID: 'uuid-f' }) };
		expect((await erply(base, 'saveSalesDocument', fields)).status.errorCode).toBe(1002);
		const failed = await erply(base, 'saveSalesDocument', fields);
		expect(failed.httpStatus).toBe(503);
		expect(sandbox.truth('erply').invoices).toHaveLength(0);
		await expect(erply(base, 'saveSalesDocument', fields)).rejects.toThrow();
		expect(sandbox.truth('erply').countByReference).toEqual({ 'R-F': 1 });
		expect((await erply(base, 'saveSalesDocument', fields)).status.errorCode).toBe(1206);
	});
});
