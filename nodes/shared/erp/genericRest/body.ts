import get from 'lodash/get';
import set from 'lodash/set';
import type { IDataObject } from 'n8n-workflow';

import { addErpFields } from '../erpFields';
import type { PostAttempt } from '../types';

const WHOLE_PLACEHOLDER = /^\{(reference|key|invoice\.[\w.[\]]+)\}$/;
const INNER_PLACEHOLDER = /\{(reference|key|invoice\.[\w.[\]]+)\}/g;

function placeholderValue(name: string, attempt: PostAttempt): unknown {
	if (name === 'reference') return attempt.reference;
	if (name === 'key') return attempt.key;
	return get(attempt.invoice, name.slice('invoice.'.length));
}

function fillTemplate(value: unknown, attempt: PostAttempt): unknown {
	if (typeof value === 'string') {
		const whole = WHOLE_PLACEHOLDER.exec(value);
		// A lone placeholder keeps the value's type (numbers stay numbers, lines stay a list).
		if (whole) return placeholderValue(whole[1], attempt);
		return value.replace(INNER_PLACEHOLDER, (_, name: string) => {
			const filled = placeholderValue(name, attempt);
			return filled === undefined || filled === null ? '' : String(filled);
		});
	}
	if (Array.isArray(value)) return value.map((entry) => fillTemplate(entry, attempt));
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, fillTemplate(entry, attempt)]));
	}
	return value;
}

const INVALID_TEMPLATE = 'invalid';

/** The user's template (a JSON string or object), or undefined when none is set. */
function parseTemplate(template: unknown): IDataObject | undefined | typeof INVALID_TEMPLATE {
	if (template === undefined || template === null || template === '') return undefined;
	if (typeof template === 'object' && !Array.isArray(template)) return template as IDataObject;
	if (typeof template === 'string') {
		let parsed: unknown;
		try {
			parsed = JSON.parse(template);
		} catch {
			parsed = undefined;
		}
		if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as IDataObject;
	}
	return INVALID_TEMPLATE;
}

/**
 * The body of a create: the template filled in, or by default the canonical invoice as is with
 * the reference in `referenceField`; `erpFields` may add fields on top, never replace one the body
 * already has (nor the reference field's top-level name, even when a template leaves it out).
 */
export function genericInvoiceBody(
	attempt: PostAttempt,
	referenceField: string,
	template: unknown,
): { body: IDataObject } | { problem: string } {
	const parsed = parseTemplate(template);
	if (parsed === INVALID_TEMPLATE) return { problem: 'The Body Template setting must be a JSON object' };
	const { erpFields, ...invoice } = attempt.invoice;
	let body: IDataObject;
	if (parsed) {
		body = fillTemplate(parsed, attempt) as IDataObject;
	} else {
		body = JSON.parse(JSON.stringify(invoice)) as IDataObject;
		set(body, referenceField, attempt.reference);
	}
	const referenceRoot = referenceField.split(/[.[]/)[0];
	return addErpFields(body, erpFields, 'this ERP', referenceRoot ? [referenceRoot] : []);
}
