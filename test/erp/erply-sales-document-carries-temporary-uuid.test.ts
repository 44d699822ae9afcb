import { erplyAdapter } from '../../nodes/shared/erp/erply/adapter';
import { forgetErplySessions } from '../../nodes/shared/erp/erply/session';
import { temporaryUuidFor } from '../../nodes/shared/erp/erply/uuid';
import type { PostAttempt } from '../../nodes/shared/erp/types';
import { context, FakeTransport, respond } from './erply-freeagent-fake-transport';

const credentials = { clientCode: '123456', username: 'api', password: 'p@ss', sessionKey: 'stored-session' };
const saved = (invoiceID: number) =>
	respond(200, { status: { request: 'saveSalesDocument', responseStatus: 'ok', errorCode: 0 }, records: [{ invoiceID, invoiceNo: '7' }] });

const attempt: PostAttempt = {
	key: "acme/2024-05-01/O'Brien #7 é",
	reference: "O'Brien #7 é",
	invoice: {
		invoiceNumber: 'INV-7',
		invoiceDate: '2024-05-01',
		dueDate: '2024-05-15',
		currency: 'EUR',
		amount: 25,
		customerId: '88',
		lines: [
			{ description: 'Consulting', quantity: 2, unitPrice: 10, taxCode: '4' },
			{ description: 'Travel', quantity: 1, unitPrice: 5 },
		],
	},
};

beforeEach(() => forgetErplySessions());

describe('an Erply user posts an invoice', () => {
	it('sends saveSalesDocument with session, reference, rows and a temporaryUUID, and gets the invoiceID', async () => {
		const transport = FakeTransport.sequence(saved(501));
		const result = await erplyAdapter.create(context(transport, credentials, { defaultVatrateId: '1' }), attempt);

		expect(result).toMatchObject({ outcome: 'created', erpId: '501', response: { id: '501', number: '7' } });
		const [request] = transport.requests;
		expect(request).toMatchObject({ method: 'POST', url: 'https://123456.erply.com/api/', form: true });
		expect(transport.form(0)).toEqual({
			request: 'saveSalesDocument',
			clientCode: '123456',
			sessionKey: 'stored-session',
			type: 'INVWAYBILL',
			invoiceNo: 'INV-7',
			date: '2024-05-01',
			currencyCode: 'EUR',
			customerID: '88',
			paymentDays: '14',
			itemName1: 'Consulting',
			amount1: '2',
			price1: '10',
			vatrateID1: '4',
			itemName2: 'Travel',
			amount2: '1',
			price2: '5',
			vatrateID2: '1',
			customReferenceNumber: "O'Brien #7 é",
			temporaryUUID: temporaryUuidFor(attempt.key),
		});
	});

	it.each(['request', 'customReferenceNumber', 'temporaryUUID', 'id', 'sessionKey', 'clientCode', 'Request', 'invoiceNo'])(
		'refuses an item whose erpFields.%s would replace what the node sets, and sends nothing',
		async (field) => {
			const transport = FakeTransport.sequence(saved(502));
			const result = await erplyAdapter.create(context(transport, credentials), {
				...attempt,
				invoice: { ...attempt.invoice, erpFields: { notes: 'ok', [field]: 'deleteSalesDocument' } },
			});
			expect(result).toMatchObject({ outcome: 'permanent', message: expect.stringContaining(`erpFields.${field}`) });
			expect(transport.requests).toHaveLength(0);
		},
	);

	it('uses product, document type and warehouse from the settings; erpFields add fields', async () => {
		const transport = FakeTransport.sequence(saved(502));
		await erplyAdapter.create(
			context(transport, { ...credentials, baseUrl: 'http://127.0.0.1:9999/erply/api/' }, { defaultProductId: '9', documentType: 'CASHINVOICE', warehouseId: '2' }),
			{ ...attempt, invoice: { ...attempt.invoice, lines: undefined, erpFields: { notes: 'PO 17' } } },
		);
		expect(transport.requests[0].url).toBe('http://127.0.0.1:9999/erply/api/');
		const form = transport.form(0);
		expect(form).toMatchObject({ type: 'CASHINVOICE', warehouseID: '2', productID1: '9', amount1: '1', price1: '25', notes: 'PO 17' });
		expect(form.itemName1).toBeUndefined();
		expect(form.customReferenceNumber).toBe("O'Brien #7 é");
		expect(form.temporaryUUID).toBe(temporaryUuidFor(attempt.key));
	});

	it('derives the same temporaryUUID from the same key, a different one from another, always within Erply\'s rules', () => {
		const keys = [attempt.key, 'a', 'x'.repeat(500), 'acme-2024-05-01-INV-7', 'acme-2024-05-01-INV-7 ', 'ключ/🔑'];
		const uuids = keys.map(temporaryUuidFor);
		for (const uuid of uuids) expect(uuid).toMatch(/^[A-Za-z0-9.-]{1,128}$/);
		expect(new Set(uuids).size).toBe(keys.length);
		expect(keys.map(temporaryUuidFor)).toEqual(uuids);
	});

	it('a retried create sends the very same form, so Erply can recognise it', async () => {
		const transport = FakeTransport.sequence(saved(1), saved(1));
		const ctx = context(transport, credentials);
		await erplyAdapter.create(ctx, attempt);
		await erplyAdapter.create(ctx, attempt);
		expect(transport.form(1)).toEqual(transport.form(0));
	});
});
