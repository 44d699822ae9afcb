import { MENDIX_SERVICE_PATH } from '../../sandbox/erps/mendix/simulator';
import { answered, arrived, basicAuth, call, useSandbox } from './helpers';

describe('Mendix published REST service in the sandbox', () => {
	const sandbox = useSandbox({ erps: ['mendix'] });
	const auth = { authorization: basicAuth('InvoiceApiUser', 'demo-mendix-password') };
	const service = () => `${sandbox().urls.mendix}${MENDIX_SERVICE_PATH}`;
	const post = (transactionId: string, invoiceNumber = `INV-${transactionId}`) =>
		call(service(), { json: { transactionId, invoiceNumber, amount: 42 }, headers: auth });

	beforeEach(() => {
		sandbox().reset('mendix');
		sandbox().setFaults('mendix', {});
	});

	it('creates with 201 {status, invoiceId, message} and answers a repeated transactionId 200 with the SAME invoiceId', async () => {
		const created = answered(await post('T-1'));
		expect(created.status).toBe(201);
		expect(created.body).toEqual({ status: 'success', invoiceId: '1', message: 'Invoice INV-T-1 created' });

		const again = answered(await post('T-1'));
		expect(again.status).toBe(200);
		expect(again.body).toMatchObject({ status: 'success', invoiceId: '1' });
		expect(sandbox().truth('mendix').countByReference).toEqual({ 'T-1': 1 });
	});

	it('in constraintOnly mode a repeated transactionId gets 409 and nothing new is stored', async () => {
		sandbox().setFaults('mendix', { options: { mode: 'constraintOnly' } });
		await post('T-2');
		const again = answered(await post('T-2'));
		expect(again.status).toBe(409);
		expect(sandbox().truth('mendix').invoices).toHaveLength(1);
	});

	it('looks invoices up by transactionId', async () => {
		await post('T-3', 'INV-300');
		const found = answered(await call(`${service()}?transactionId=T-3`, { headers: auth }));
		expect(found.body).toEqual([{ invoiceId: '1', invoiceNumber: 'INV-300', transactionId: 'T-3' }]);
		expect(answered(await call(`${service()}?transactionId=T-404`, { headers: auth })).body).toEqual([]);
	});

	it.each([
		[undefined, 500],
		[409, 409],
	])('race: two concurrent posts of one transactionId both pass the check; the constraint stops the second (raceStatus %s → %i)', async (raceStatus, expected) => {
		sandbox().setFaults('mendix', { options: { processingMs: 50, ...(raceStatus ? { raceStatus } : {}) } });
		// Held until both arrived (the first one first): both pass the check before either commits,
		// whatever the machine's speed.
		sandbox().gather('mendix', 2);
		const first = post('T-4');
		await arrived(sandbox(), 'mendix');
		const second = post('T-4');
		const statuses = [answered(await first).status, answered(await second).status];
		expect(statuses).toEqual([201, expected]);
		expect(sandbox().truth('mendix').countByReference).toEqual({ 'T-4': 1 });
	});

	it('answers 401 without the Basic credentials and 400 without a transactionId', async () => {
		expect(answered(await call(service(), { json: { transactionId: 'T-5', invoiceNumber: 'I', amount: 1 } })).status).toBe(401);
		const invalid = answered(await call(service(), { json: { invoiceNumber: 'I', amount: 1 }, headers: auth }));
		expect(invalid.status).toBe(400);
		expect(invalid.body).toEqual({ error: { code: 400, message: 'transactionId is required' } });
		expect(sandbox().truth('mendix').invoices).toHaveLength(0);
	});
});
