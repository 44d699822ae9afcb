/**
 * Cases per property: PROPERTY_RUNS when set, else 1,000 under CI (issue 15), else 200 for a quick local
 * run. PROPERTY_SEED replays a failure (fast-check prints the seed and the shrunk counterexample).
 */
export function propertyParameters(): { numRuns: number; seed?: number; endOnFailure: boolean } {
	const fromEnv = Number(process.env.PROPERTY_RUNS);
	const numRuns = Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : process.env.CI ? 1000 : 200;
	const seed = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);
	return { numRuns, ...(seed === undefined ? {} : { seed }), endOnFailure: false };
}
