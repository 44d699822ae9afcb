import { mock } from 'jest-mock-extended';
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { invoiceFieldsProperties } from '../../nodes/shared/descriptions/erp.description';
import { readInvoiceEntries } from '../../nodes/shared/posting/jobs';
import { exactDecimal, toCanonicalInvoice } from '../../nodes/shared/posting/invoice';

describe('an amount reaches the ERP as the exact decimal given, or the item is refused', () => {
	const eur = { places: 2, currency: 'EUR' };
	test.each<[unknown, number]>([
		['1250.50', 1250.5],
		['100.000', 100],
		['-12.30', -12.3],
		['007.10', 7.1],
		[42, 42],
		[0.05, 0.05],
		['999999999999999', 999999999999999],
		['9999999999999.99', 9999999999999.99],
	])('%p → %p', (given, sent) => {
		const value = exactDecimal(given, 3, 'Amount', eur);
		expect(value).toBe(sent);
		// What JSON (and a form field) carries is exactly the decimal given.
		expect(String(value)).toBe(String(given).replace(/^(-?)0+(?=\d)/, '$1').replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, ''));
	});

	test.each<[string, unknown, RegExp]>([
		['400 digits', '1'.repeat(400), /^Amount has 400 significant digits .*; at most 15 can be sent exactly \[item 3\]$/],
		['17 significant digits', '1234567890123456.7', /^Amount has 17 significant digits \(1234567890123456\.7\); at most 15 can be sent exactly \[item 3\]$/],
		['16 digits, no decimals', '1234567890123456', /^Amount has 16 significant digits \(1234567890123456\); at most 15 can be sent exactly \[item 3\]$/],
		['Infinity', Infinity, /^Amount must be a finite number, got Infinity \[item 3\]$/],
		['NaN', NaN, /^Amount must be a finite number, got NaN \[item 3\]$/],
		['an exponent', '1e5', /^Amount must be a decimal number, got "1e5" \[item 3\]$/],
		['a decimal comma', '12,50', /^Amount must be a number with a dot as decimal separator \(like 12.50\), got "12,50" \[item 3\]$/],
		['a float sum', 0.1 + 0.2, /^Amount has 17 decimals \(0.30000000000000004\); EUR allows 2 \[item 3\]$/],
		['nothing', undefined, /^Amount must be a number, got nothing \[item 3\]$/],
	])('%s is refused, naming the field and the item', (_case, given, message) => {
		expect(() => exactDecimal(given, 3, 'Amount', eur)).toThrow(message);
	});

	test.each([
		['JPY', '1500', '1500.5', 1500],
		['KWD', '12.345', '12.3456', 12.345],
		['BHD', '0.125', '0.1255', 0.125],
		['EUR', '0.99', '0.999', 0.99],
		['CHF', '5.05', '5.055', 5.05],
	])("%s: the currency's minor units decide (%s accepted, %s refused)", (currency, ok, tooPrecise, sent) => {
		const invoice = { invoiceNumber: 'A-1', invoiceDate: '2026-11-24', currency, amount: ok };
		expect(toCanonicalInvoice(invoice, 0).amount).toBe(sent);
		expect(() => toCanonicalInvoice({ ...invoice, amount: tooPrecise }, 4)).toThrow(new RegExp(`; ${currency} allows \\d \\[item 4\\]$`));
	});

	test('line quantities and unit prices are held to the same exactness', () => {
		const invoice = { invoiceNumber: 'A-1', invoiceDate: '2026-11-24', currency: 'EUR', amount: '10' };
		expect(toCanonicalInvoice({ ...invoice, lines: [{ description: 'x', quantity: '2.5', unitPrice: '4.0001' }] }, 0).lines).toEqual([
			{ description: 'x', quantity: 2.5, unitPrice: 4.0001 },
		]);
		expect(() => toCanonicalInvoice({ ...invoice, lines: [{ description: 'x', unitPrice: '1'.repeat(30) }] }, 2)).toThrow(
			/^lines\[0\]\.unitPrice has 30 significant digits .* \[item 2\]$/,
		);
	});
});

describe('the default Invoice Fields are read from the item, without the expression engine', () => {
	const defaults = invoiceFieldsProperties.find((property) => property.displayOptions?.show?.erp?.includes('inforIcs'))?.default as IDataObject;

	test("the defaults are today's field names", () => {
		expect(defaults).toMatchObject({
			invoiceNumber: '={{ $json.invoiceNumber }}',
			invoiceDate: '={{ $json.invoiceDate }}',
			currency: '={{ $json.currency }}',
			amount: '={{ $json.amount }}',
			customerId: '={{ $json.customerId }}',
			lines: '={{ $json.lines }}',
		});
	});

	test.each([
		['the defaults', () => defaults],
		['no parameter at all (a workflow saved before it existed)', () => undefined],
		['own field names', () => ({ invoiceNumber: '={{ $json["Invoice No"] }}', amount: "={{ $json['total'] }}" })],
	])('%s: 1,000 items, no per-item evaluation', (_case, invoiceFields) => {
		const items: INodeExecutionData[] = Array.from({ length: 1000 }, (_, i) => ({
			json: { idempotencyKey: `K-${i}`, invoiceNumber: `N-${i}`, 'Invoice No': `N-${i}`, invoiceDate: '2026-11-24', currency: 'EUR', amount: '1.50', total: '1.50' },
		}));
		const fns = mock<IExecuteFunctions>();
		fns.getInputData.mockReturnValue(items);
		const evaluated: string[] = [];
		fns.getNodeParameter.mockImplementation(((name: string, _itemIndex: number, fallback: unknown, options?: { rawExpressions?: boolean }) => {
			if (!options?.rawExpressions) evaluated.push(name);
			if (name === 'invoiceFields') return invoiceFields() ?? fallback;
			if (name === 'idempotencyKey') return '={{ $json.idempotencyKey }}';
			if (name === 'reference') return '={{ $json.externalReference }}';
			return fallback;
		}) as IExecuteFunctions['getNodeParameter']);

		const entries = readInvoiceEntries(fns, items);

		expect(entries.map((entry) => entry.error).filter(Boolean)).toEqual([]);
		expect(entries[999].job?.invoice).toMatchObject({ invoiceNumber: 'N-999', amount: 1.5 });
		expect(evaluated).toEqual([]);
		expect(fns.getNodeParameter.mock.calls.filter(([name]) => name === 'invoiceFields')).toHaveLength(1);
	});
});
