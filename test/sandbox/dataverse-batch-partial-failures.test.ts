import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import type { BatchPart, BatchRequestPart } from './dataverse-helpers';
import { accessToken, buildBatch, readBatchResponse } from './dataverse-helpers';

const create = (n: number, contentId?: string): BatchRequestPart => ({
	method: 'POST',
	url: '/api/data/v9.2/VendorInvoices',
	body: { VendorAccount: 'V001', InvoiceNumber: `INV-${n}`, ExternalReference: `REF-${n}` },
	contentId,
});

describe('Dataverse $batch: some invoices in a batch fail', () => {
	let sandbox: Sandbox;
	let base: string;
	let token: string;

	beforeAll(async () => {
		sandbox = await startSandbox({ erps: ['dataverse'], clock: 'manual' });
		base = sandbox.urls.dataverse;
	});
	afterAll(() => sandbox.stop());
	beforeEach(async () => {
		sandbox.reset('dataverse');
		sandbox.setFaults('dataverse', {});
		token = await accessToken(base);
	});

	async function postBatch(parts: BatchPart[], prefer?: string) {
		const { body, contentType } = buildBatch(parts);
		const response = await fetch(`${base}/api/data/v9.2/$batch`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType, ...(prefer ? { Prefer: prefer } : {}) },
			body,
		});
		const text = await response.text();
		return { status: response.status, headers: response.headers, text };
	}

	async function seedInvoice(n: number) {
		const { status } = await postBatch([create(n)]);
		expect(status).toBe(200);
	}

	it('with continue-on-error answers 200 and gives every part its own status and Content-ID', async () => {
		await seedInvoice(2);
		const { status, headers, text } = await postBatch([create(1, '1'), create(2, '2'), create(3, '3')], 'odata.continue-on-error');
		expect(status).toBe(200);
		const parts = readBatchResponse(text, headers.get('content-type') ?? '');
		expect(parts.map((part) => [part.contentId, part.status])).toEqual([
			['1', 204],
			['2', 409],
			['3', 204],
		]);
		expect(parts[1].body?.error?.code).toBe('0x80040237');
		expect(parts[0].headers['odata-entityid']).toMatch(/VendorInvoices\([0-9a-f-]{36}\)$/);
		expect(sandbox.truth('dataverse').countByReference).toEqual({ 'REF-1': 1, 'REF-2': 1, 'REF-3': 1 });
	});

	it('without continue-on-error stops at the first failure with 400; the parts before it stay committed', async () => {
		await seedInvoice(2);
		const { status, headers, text } = await postBatch([create(1), create(2), create(3)]);
		expect(status).toBe(400);
		const parts = readBatchResponse(text, headers.get('content-type') ?? '');
		expect(parts.map((part) => part.status)).toEqual([204, 409]);
		expect(sandbox.truth('dataverse').countByReference).toEqual({ 'REF-1': 1, 'REF-2': 1 });
	});

	it('rolls a whole changeset back when one of its requests fails', async () => {
		await seedInvoice(2);
		const { status, headers, text } = await postBatch([{ changeset: [create(1), create(2), create(3)] }, create(4)], 'odata.continue-on-error');
		expect(status).toBe(200);
		const parts = readBatchResponse(text, headers.get('content-type') ?? '');
		expect(parts.map((part) => part.status)).toEqual([409, 204]);
		expect(sandbox.truth('dataverse').countByReference).toEqual({ 'REF-2': 1, 'REF-4': 1 });
	});

	it('crashes mid-batch (failMidBatch at 2) with a bare 500 after committing the first two invoices', async () => {
		sandbox.setFaults('dataverse', { schedule: [{ write: 1, fault: 'failMidBatch' }], failMidBatchAt: 2 });
		const { status, text } = await postBatch([create(1), create(2), create(3), create(4)], 'odata.continue-on-error');
		expect(status).toBe(500);
		expect(JSON.parse(text)).toEqual({ error: { code: '0x80040216', message: 'An unexpected error occurred.' } });
		expect(sandbox.truth('dataverse').countByReference).toEqual({ 'REF-1': 1, 'REF-2': 1 });
	});

	it('answers a mid-batch gateway timeout as 504 with no body when so configured', async () => {
		sandbox.setFaults('dataverse', { schedule: [{ write: 1, fault: 'failMidBatch' }], failMidBatchAt: 1, failMidBatchMode: '504' });
		const { status, text } = await postBatch([create(1), create(2)]);
		expect(status).toBe(504);
		expect(text).toBe('');
		expect(Object.keys(sandbox.truth('dataverse').countByReference)).toEqual(['REF-1']);
	});

	it('refuses a batch of more than 1000 requests and stores none of them', async () => {
		const parts = Array.from({ length: 1001 }, (_, index) => create(index));
		const { status, text } = await postBatch(parts);
		expect(status).toBe(400);
		expect(JSON.parse(text).error.message).toContain('1000');
		expect(sandbox.truth('dataverse').invoices).toHaveLength(0);
	});

	it('answers GET parts too, so lookups can be bundled', async () => {
		await seedInvoice(7);
		const filter = encodeURIComponent("ExternalReference eq 'REF-7'");
		const { status, headers, text } = await postBatch([{ method: 'GET', url: `VendorInvoices?$filter=${filter}` }]);
		expect(status).toBe(200);
		const [part] = readBatchResponse(text, headers.get('content-type') ?? '');
		expect(part.status).toBe(200);
		expect((part.body?.value as Array<{ ExternalReference: string }>).map((row) => row.ExternalReference)).toEqual(['REF-7']);
	});
});
