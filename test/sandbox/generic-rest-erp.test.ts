import type { FaultConfig } from '../../sandbox/core/types';
import { GENERIC_DEMO } from '../../sandbox/erps/generic/simulator';
import { answered, arrived, basicAuth, call, useSandbox } from './helpers';

describe('generic REST ERP in the sandbox: auth modes, lookup, optional uniqueness, Idempotency-Key', () => {
	const sandbox = useSandbox({ erps: ['generic'] });
	const invoices = () => `${sandbox().urls.generic}/invoices`;
	const withOptions = (options: Record<string, unknown>, faults: FaultConfig = {}) => sandbox().setFaults('generic', { ...faults, options });
	const create = (reference: string, headers: Record<string, string> = {}, amount = 10) =>
		call(invoices(), { json: { reference, invoiceNumber: `INV-${reference}`, amount }, headers });

	beforeEach(() => {
		sandbox().reset('generic');
		withOptions({});
	});

	it('creates (201 with id and reference) and finds by ?reference= and /invoices/{reference}', async () => {
		const created = answered(await create('R-1'));
		expect(created.status).toBe(201);
		expect(created.body).toMatchObject({ id: 'GEN-000001', reference: 'R-1', invoiceNumber: 'INV-R-1', amount: 10 });

		expect(answered(await call(`${invoices()}?reference=R-1`)).body).toEqual([expect.objectContaining({ id: 'GEN-000001' })]);
		expect(answered(await call(`${invoices()}/R-1`)).body).toMatchObject({ id: 'GEN-000001' });
		expect(answered(await call(`${invoices()}/R-404`)).status).toBe(404);
		expect(answered(await call(`${invoices()}?reference=R-404`)).body).toEqual([]);
	});

	it('by default stores a repeated reference twice (a non-idempotent ERP)', async () => {
		await create('R-2');
		expect(answered(await create('R-2')).status).toBe(201);
		expect(sandbox().truth('generic').duplicates).toEqual(['R-2']);
	});

	it('with uniqueReference answers 409 with the existing id and stores one', async () => {
		withOptions({ uniqueReference: true });
		await create('R-3');
		const repeat = answered(await create('R-3'));
		expect(repeat.status).toBe(409);
		expect(repeat.body).toMatchObject({ error: 'duplicate', id: 'GEN-000001' });
		expect(sandbox().truth('generic').countByReference).toEqual({ 'R-3': 1 });
	});

	it.each([
		['header', { [GENERIC_DEMO.apiKeyHeader]: GENERIC_DEMO.apiKey }],
		['bearer', { authorization: `Bearer ${GENERIC_DEMO.bearerToken}` }],
		['basic', { authorization: basicAuth(GENERIC_DEMO.user, GENERIC_DEMO.password) }],
	])('auth %s: 401 without the demo secret, 201 with it', async (auth, goodHeaders) => {
		withOptions({ auth });
		const refused = answered(await create('R-4', { authorization: 'Bearer wrong', 'x-api-key': 'wrong' }));
		expect(refused.status).toBe(401);
		expect(answered(await create('R-4', goodHeaders)).status).toBe(201);
		expect(sandbox().truth('generic').invoices).toHaveLength(1);
	});

	describe('honourIdempotencyKey', () => {
		it('replays the first answer for the same key and body, without storing again', async () => {
			withOptions({ honourIdempotencyKey: true });
			const first = answered(await create('R-5', { 'idempotency-key': '"key-5"' }));
			const replay = answered(await create('R-5', { 'idempotency-key': '"key-5"' }));
			expect(replay.status).toBe(201);
			expect(replay.body).toEqual(first.body);
			expect(replay.headers['idempotent-replayed']).toBe('true');
			expect(sandbox().truth('generic').invoices).toHaveLength(1);
		});

		it('answers 422 for the same key with another body', async () => {
			withOptions({ honourIdempotencyKey: true });
			await create('R-6', { 'idempotency-key': '"key-6"' }, 10);
			const other = answered(await create('R-6', { 'idempotency-key': '"key-6"' }, 99));
			expect(other.status).toBe(422);
			expect(sandbox().truth('generic').invoices).toHaveLength(1);
		});

		it('answers 409 while the first request with the key is still in flight', async () => {
			withOptions({ honourIdempotencyKey: true, processingMs: 50 });
			// The first is held until the second arrived, and the second sent once the first reached the ERP:
			// it finds the first in flight by construction, not by a head start a busy machine can outrun.
			sandbox().gather('generic', 2);
			const first = create('R-7', { 'idempotency-key': '"key-7"' });
			await arrived(sandbox(), 'generic');
			const second = answered(await create('R-7', { 'idempotency-key': '"key-7"' }));
			expect(second.status).toBe(409);
			expect(answered(await first).status).toBe(201);
			expect(sandbox().truth('generic').invoices).toHaveLength(1);
		});

		it('frees the key when the first attempt failed before commit, so a retry creates the invoice', async () => {
			withOptions({ honourIdempotencyKey: true }, { schedule: [{ write: 1, fault: 'failBeforeCommit' }] });
			expect(answered(await create('R-8', { 'idempotency-key': '"key-8"' })).status).toBe(500);
			expect(answered(await create('R-8', { 'idempotency-key': '"key-8"' })).status).toBe(201);
			expect(sandbox().truth('generic').invoices).toHaveLength(1);
		});

		it('ignores the header when the option is off (the ERP does not honour it)', async () => {
			await create('R-9', { 'idempotency-key': '"key-9"' });
			await create('R-9', { 'idempotency-key': '"key-9"' });
			expect(sandbox().truth('generic').countByReference['R-9']).toBe(2);
		});
	});
});
