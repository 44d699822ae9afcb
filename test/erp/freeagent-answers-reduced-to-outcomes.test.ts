import { freeAgentAdapter } from '../../nodes/shared/erp/freeAgent/adapter';
import type { PostAttempt } from '../../nodes/shared/erp/types';
import { context, fail, FakeTransport, respond } from './erply-freeagent-fake-transport';

const { classify } = freeAgentAdapter;

const attempt: PostAttempt = {
	key: 'k1',
	reference: 'INV-1',
	invoice: { invoiceNumber: 'INV-1', invoiceDate: '2024-05-01', currency: 'GBP', amount: 1, contactUrl: 'https://x/v2/contacts/1' },
};

describe('FreeAgent answers become outcomes the Post node acts on', () => {
	it('a reference already taken is "exists", in either of FreeAgent\'s error shapes', () => {
		expect(classify(respond(422, { errors: [{ message: 'Reference has already been taken' }] }))).toMatchObject({
			outcome: 'exists',
			httpStatus: 422,
			message: 'Reference has already been taken',
		});
		expect(classify(respond(422, { errors: { error: { message: 'This reference is already in use' } } })).outcome).toBe('exists');
		expect(classify(respond(422, { errors: [{ message: 'REFERENCE TAKEN' }] })).outcome).toBe('exists');
	});

	it('any other validation error is permanent and carries FreeAgent\'s own message', () => {
		const result = classify(
			respond(422, { errors: [{ message: 'Contact is invalid' }, { message: 'Dated on can\'t be blank' }] }),
		);
		expect(result).toEqual({ outcome: 'permanent', httpStatus: 422, message: "Contact is invalid; Dated on can't be blank" });
		expect(classify(respond(401, { errors: { error: { message: 'Access token not recognised' } } }))).toMatchObject({
			outcome: 'permanent',
			message: 'Access token not recognised',
		});
		expect(classify(respond(404)).outcome).toBe('permanent');
	});

	it('the "reference taken" wording can be changed in the node settings', async () => {
		const answer = respond(422, { errors: [{ message: 'Referenz ist bereits vergeben' }] });
		expect((await freeAgentAdapter.create(context(FakeTransport.sequence(answer), {}), attempt)).outcome).toBe('permanent');
		const ctx = context(FakeTransport.sequence(answer), {}, { referenceTakenPattern: 'referenz.*vergeben' });
		expect((await freeAgentAdapter.create(ctx, attempt)).outcome).toBe('exists');
	});

	it('throttling waits for Retry-After, or a minute when FreeAgent gives none', () => {
		expect(classify(respond(429, undefined, { 'retry-after': '7' }))).toMatchObject({ outcome: 'retryable', retryAfterMs: 7000 });
		const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
		const dated = classify(respond(429, undefined, { 'retry-after': inTwoMinutes })).retryAfterMs ?? 0;
		expect(dated).toBeGreaterThan(110_000);
		expect(dated).toBeLessThanOrEqual(120_000);
		expect(classify(respond(429))).toMatchObject({ outcome: 'retryable', retryAfterMs: 60_000 });
	});

	it('server errors and lost answers must be verified before a retry; a refused connection may be retried', () => {
		for (const status of [500, 502, 503, 504]) expect(classify(respond(status)).outcome).toBe('ambiguous');
		expect(classify(fail('timeout', true)).outcome).toBe('ambiguous');
		expect(classify(fail('reset', true)).outcome).toBe('ambiguous');
		expect(classify(fail('refused', false)).outcome).toBe('retryable');
	});

	it('a success that does not name the invoice is ambiguous, not a silent success', () => {
		expect(classify(respond(201, {})).outcome).toBe('ambiguous');
		expect(classify(respond(201, { invoice: { url: 'https://x/v2/invoices/1' } }))).toMatchObject({
			outcome: 'created',
			erpId: 'https://x/v2/invoices/1',
		});
	});
});
