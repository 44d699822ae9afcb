/**
 * The OData subset the Dataverse simulator understands: `$filter` comparisons joined by `and`/`or`
 * (with parentheses) and key predicates such as `(VendorAccount='V001',InvoiceNumber='INV-1')`.
 * A real tokenizer and parser, so a malformed filter is a 400 — never a wrong match — and a quote
 * inside a value can only be written as `''` (OData ABNF), which is what makes injection impossible.
 */

export type ODataLiteral = string | number | boolean | null;
export type ComparisonOperator = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterNode =
	| { kind: 'compare'; field: string; operator: ComparisonOperator; value: ODataLiteral }
	| { kind: 'and' | 'or'; left: FilterNode; right: FilterNode };

export class ODataSyntaxError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'ODataSyntaxError';
	}
}

type Token =
	| { type: 'punct'; value: '(' | ')' | ',' | '='; position: number }
	| { type: 'word'; value: string; position: number }
	| { type: 'literal'; value: ODataLiteral; position: number };

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const NUMBER = /^-?\d+(\.\d+)?/;
const WORD = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPERATORS: ComparisonOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];

function tokenize(source: string): Token[] {
	const tokens: Token[] = [];
	let position = 0;
	while (position < source.length) {
		const char = source[position];
		if (char === ' ' || char === '\t') {
			position += 1;
			continue;
		}
		if (char === '(' || char === ')' || char === ',' || char === '=') {
			tokens.push({ type: 'punct', value: char, position });
			position += 1;
			continue;
		}
		if (char === "'") {
			const { value, end } = readString(source, position);
			tokens.push({ type: 'literal', value, position });
			position = end;
			continue;
		}
		const rest = source.slice(position);
		const guid = GUID.exec(rest);
		if (guid) {
			tokens.push({ type: 'literal', value: guid[0].toLowerCase(), position });
			position += guid[0].length;
			continue;
		}
		const number = NUMBER.exec(rest);
		if (number) {
			tokens.push({ type: 'literal', value: Number(number[0]), position });
			position += number[0].length;
			continue;
		}
		const word = WORD.exec(rest);
		if (word) {
			const keyword = word[0];
			if (keyword === 'null') tokens.push({ type: 'literal', value: null, position });
			else if (keyword === 'true' || keyword === 'false') tokens.push({ type: 'literal', value: keyword === 'true', position });
			else tokens.push({ type: 'word', value: keyword, position });
			position += keyword.length;
			continue;
		}
		throw new ODataSyntaxError(`Syntax error: character '${char}' at position ${position} is not valid.`);
	}
	return tokens;
}

/** A string literal starting at `start` (a quote); `''` stands for one quote. */
function readString(source: string, start: number): { value: string; end: number } {
	let value = '';
	let position = start + 1;
	while (position < source.length) {
		const char = source[position];
		if (char === "'") {
			if (source[position + 1] === "'") {
				value += "'";
				position += 2;
				continue;
			}
			return { value, end: position + 1 };
		}
		value += char;
		position += 1;
	}
	throw new ODataSyntaxError(`Syntax error: unterminated string literal at position ${start}.`);
}

class TokenStream {
	private index = 0;
	constructor(
		private readonly tokens: Token[],
		private readonly source: string,
	) {}

	peek(): Token | undefined {
		return this.tokens[this.index];
	}

	next(): Token {
		const token = this.tokens[this.index];
		if (!token) throw new ODataSyntaxError(`Syntax error: unexpected end of '${this.source}'.`);
		this.index += 1;
		return token;
	}

	isWord(value: string): boolean {
		const token = this.peek();
		return token?.type === 'word' && token.value === value;
	}

	isPunct(value: string): boolean {
		const token = this.peek();
		return token?.type === 'punct' && token.value === value;
	}

	expectPunct(value: string): void {
		const token = this.next();
		if (token.type !== 'punct' || token.value !== value) throw unexpected(token, this.source);
	}

	expectEnd(): void {
		const token = this.peek();
		if (token) throw unexpected(token, this.source);
	}
}

function unexpected(token: Token, source: string): ODataSyntaxError {
	return new ODataSyntaxError(`Syntax error at position ${token.position} in '${source}'.`);
}

/** Parse a `$filter` value. Supported: `field op literal`, `and`, `or`, parentheses. */
export function parseFilter(source: string): FilterNode {
	const stream = new TokenStream(tokenize(source), source);
	const node = parseOr(stream, source);
	stream.expectEnd();
	return node;
}

function parseOr(stream: TokenStream, source: string): FilterNode {
	let node = parseAnd(stream, source);
	while (stream.isWord('or')) {
		stream.next();
		node = { kind: 'or', left: node, right: parseAnd(stream, source) };
	}
	return node;
}

function parseAnd(stream: TokenStream, source: string): FilterNode {
	let node = parsePrimary(stream, source);
	while (stream.isWord('and')) {
		stream.next();
		node = { kind: 'and', left: node, right: parsePrimary(stream, source) };
	}
	return node;
}

function parsePrimary(stream: TokenStream, source: string): FilterNode {
	if (stream.isPunct('(')) {
		stream.next();
		const inner = parseOr(stream, source);
		stream.expectPunct(')');
		return inner;
	}
	const field = stream.next();
	if (field.type !== 'word' || field.value === 'and' || field.value === 'or') throw unexpected(field, source);
	if (stream.isPunct('(')) {
		throw new ODataSyntaxError(`The function '${field.value}' is not supported by this sandbox.`);
	}
	const operator = stream.next();
	if (operator.type !== 'word' || !OPERATORS.includes(operator.value as ComparisonOperator)) throw unexpected(operator, source);
	const value = stream.next();
	if (value.type !== 'literal') throw unexpected(value, source);
	return { kind: 'compare', field: field.value, operator: operator.value as ComparisonOperator, value: value.value };
}

/**
 * The inside of a key predicate: a bare GUID (`(0000…)`) or `Name=literal` pairs (an alternate key).
 */
export function parseKeyPredicate(source: string): { id: string } | { alternateKey: Record<string, ODataLiteral> } {
	const stream = new TokenStream(tokenize(source), source);
	const first = stream.next();
	if (first.type === 'literal' && typeof first.value === 'string' && GUID.test(first.value)) {
		stream.expectEnd();
		return { id: first.value };
	}
	const alternateKey: Record<string, ODataLiteral> = {};
	let name: Token = first;
	for (;;) {
		if (name.type !== 'word') throw unexpected(name, source);
		stream.expectPunct('=');
		const value = stream.next();
		if (value.type !== 'literal') throw unexpected(value, source);
		alternateKey[name.value] = value.value;
		if (!stream.peek()) return { alternateKey };
		stream.expectPunct(',');
		name = stream.next();
	}
}

/** Values compare as Dataverse's SQL collation does: strings case-insensitively unless told otherwise. */
export function literalsEqual(stored: unknown, literal: ODataLiteral, caseInsensitive: boolean): boolean {
	if (literal === null) return stored === null || stored === undefined;
	if (typeof literal === 'string' && typeof stored === 'string') {
		return caseInsensitive ? stored.toLowerCase() === literal.toLowerCase() : stored === literal;
	}
	return stored === literal;
}

export function matchesFilter(record: Record<string, unknown>, node: FilterNode, caseInsensitive: boolean): boolean {
	if (node.kind !== 'compare') {
		const left = matchesFilter(record, node.left, caseInsensitive);
		return node.kind === 'and' ? left && matchesFilter(record, node.right, caseInsensitive) : left || matchesFilter(record, node.right, caseInsensitive);
	}
	const stored = record[node.field];
	if (node.operator === 'eq') return literalsEqual(stored, node.value, caseInsensitive);
	if (node.operator === 'ne') return !literalsEqual(stored, node.value, caseInsensitive);
	if (stored === null || stored === undefined || node.value === null) return false;
	const [left, right] =
		typeof stored === 'string' && typeof node.value === 'string' && caseInsensitive
			? [stored.toLowerCase(), node.value.toLowerCase()]
			: [stored, node.value];
	if (typeof left !== typeof right) return false;
	if (node.operator === 'gt') return left > right;
	if (node.operator === 'ge') return left >= right;
	if (node.operator === 'lt') return left < right;
	return left <= right;
}
