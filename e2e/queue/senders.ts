// Webhook senders that behave like real upstream systems: retry until they get a 200, with a pause.

export interface Delivery {
	status: number;
	body: { status?: string; invoiceId?: string; message?: string } | undefined;
	/** How many requests it took. */
	attempts: number;
	/** Every non-200 answer on the way (status + message), for the report. */
	refusals: string[];
}

export interface InvoiceDelivery {
	idempotencyKey: string;
	externalReference: string;
	invoiceNumber: string;
	invoiceDate: string;
	currency: string;
	amount: number;
	customerId: string;
}

export function invoice(index: number, run: string): InvoiceDelivery {
	const invoiceNumber = `INV-${run}-${String(index).padStart(4, '0')}`;
	return {
		idempotencyKey: `ACME-2026-01-05-${invoiceNumber}`,
		externalReference: `REF-${invoiceNumber}`,
		invoiceNumber,
		invoiceDate: '2026-01-05',
		currency: 'EUR',
		amount: 100 + index,
		customerId: 'C-001',
	};
}

async function postOnce(url: string, body: unknown): Promise<{ status: number; body: Delivery['body'] }> {
	try {
		const response = await fetch(url, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(body),
			signal: AbortSignal.timeout(120_000),
		});
		const text = await response.text();
		let parsed: Delivery['body'];
		try {
			parsed = text ? JSON.parse(text) : undefined;
		} catch {
			parsed = { message: text.slice(0, 200) };
		}
		return { status: response.status, body: parsed };
	} catch (error) {
		return { status: 0, body: { message: (error as Error).message } };
	}
}

/** Posts until n8n answers 200 with an invoice id, or `maxAttempts` requests were made. */
export async function deliver(url: string, body: unknown, maxAttempts = 1, pauseMs = 500): Promise<Delivery> {
	const refusals: string[] = [];
	for (let attempt = 1; ; attempt++) {
		const answer = await postOnce(url, body);
		if ((answer.status === 200 && answer.body?.invoiceId) || attempt >= maxAttempts) {
			return { ...answer, attempts: attempt, refusals };
		}
		refusals.push(`${answer.status} ${answer.body?.message ?? ''}`.trim());
		await new Promise((resolve) => setTimeout(resolve, pauseMs));
	}
}

/** Runs `task` over `inputs` with at most `concurrency` at a time; results in input order. */
export async function inParallel<T, R>(inputs: T[], concurrency: number, task: (input: T, index: number) => Promise<R>): Promise<R[]> {
	const results: R[] = new Array(inputs.length);
	let next = 0;
	const lanes = Array.from({ length: Math.min(concurrency, inputs.length) }, async () => {
		while (next < inputs.length) {
			const index = next++;
			results[index] = await task(inputs[index], index);
		}
	});
	await Promise.all(lanes);
	return results;
}

/** Occurrences of each value that appears more than once. */
export function repeated(values: string[]): Record<string, number> {
	const counts: Record<string, number> = {};
	for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
	return Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 1));
}
