import { canonicalJson, fingerprintOf } from '../../nodes/shared/ledger/fingerprint';

const invoice = {
	invoiceNumber: 'INV-1',
	amount: 1500,
	currency: 'EUR',
	lines: [
		{ description: 'Consulting', quantity: 3, unitPrice: 400 },
		{ description: 'Travel', quantity: 1, unitPrice: 300 },
	],
	erpFields: { costCenter: 'CC-7', project: { id: 'P-1', phase: 2 } },
};

describe('fingerprint: the same invoice gives the same fingerprint, a changed one another', () => {
	it('does not change when properties arrive in another order, at any depth', () => {
		const reordered = {
			erpFields: { project: { phase: 2, id: 'P-1' }, costCenter: 'CC-7' },
			lines: [
				{ unitPrice: 400, quantity: 3, description: 'Consulting' },
				{ quantity: 1, unitPrice: 300, description: 'Travel' },
			],
			currency: 'EUR',
			amount: 1500,
			invoiceNumber: 'INV-1',
		};
		expect(fingerprintOf(reordered)).toBe(fingerprintOf(invoice));
	});

	it('does not change when a field is present as undefined instead of absent', () => {
		expect(fingerprintOf({ ...invoice, dueDate: undefined, erpFields: { ...invoice.erpFields, note: undefined } })).toBe(fingerprintOf(invoice));
	});

	it('changes when the order of lines changes (line order is meaningful)', () => {
		expect(fingerprintOf({ ...invoice, lines: [...invoice.lines].reverse() })).not.toBe(fingerprintOf(invoice));
	});

	it('changes when a value changes, even deep down or only in type', () => {
		expect(fingerprintOf({ ...invoice, amount: 1500.01 })).not.toBe(fingerprintOf(invoice));
		expect(fingerprintOf({ ...invoice, amount: '1500' })).not.toBe(fingerprintOf(invoice));
		expect(fingerprintOf({ ...invoice, erpFields: { ...invoice.erpFields, project: { id: 'P-1', phase: 3 } } })).not.toBe(fingerprintOf(invoice));
	});

	it('tells null from an absent field', () => {
		expect(fingerprintOf({ ...invoice, dueDate: null })).not.toBe(fingerprintOf(invoice));
	});

	it('is the 43-character base64url sha256 of the canonical JSON (stable across versions: stored fingerprints stay valid)', () => {
		expect(fingerprintOf(invoice)).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(fingerprintOf({ a: 1 })).toBe('AVq9f1zFei3ZS3WQ8ErYCEJzkF7jPsXOvq5iJ2qX-GI');
	});

	it('writes canonical JSON with sorted keys and undefined array entries as null', () => {
		expect(canonicalJson({ b: 1, a: [undefined, { d: undefined, c: 2 }] })).toBe('{"a":[null,{"c":2}],"b":1}');
		expect(canonicalJson(undefined)).toBe('null');
	});

	it('keeps fields named __proto__, constructor and toString (a payload parsed from JSON has them as its own)', () => {
		const hostile = JSON.parse('{"amount":1500,"__proto__":{"amount":1},"constructor":"x","toString":"y"}') as object;
		const plain = JSON.parse('{"amount":1500,"constructor":"x","toString":"y"}') as object;
		expect(canonicalJson(hostile)).toBe('{"__proto__":{"amount":1},"amount":1500,"constructor":"x","toString":"y"}');
		expect(fingerprintOf(hostile)).not.toBe(fingerprintOf(plain));
		const otherProto = JSON.parse('{"amount":1500,"__proto__":{"amount":2},"constructor":"x","toString":"y"}') as object;
		expect(fingerprintOf(hostile)).not.toBe(fingerprintOf(otherProto));
	});
});
