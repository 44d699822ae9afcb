/** One measured figure with its target, as printed in the table and written to latest.json. */
export interface Figure {
	section: string;
	name: string;
	value: number | null;
	unit: string;
	/** Human-readable target, e.g. "≤ 20 µs"; absent when the figure is informative only. */
	target?: string;
	met?: boolean;
	/** Why a figure is missing, or what it was measured under. */
	note?: string;
}

/** One growth curve point: x (records or invoices or batch size) → y. */
export interface CurvePoint {
	x: number;
	y: number;
}

export interface Curve {
	chart: string;
	label: string;
	unit: string;
	points: CurvePoint[];
}

export interface PartResult {
	figures: Figure[];
	curves: Curve[];
}

export const emptyPart = (): PartResult => ({ figures: [], curves: [] });

export function atMost(value: number, limit: number): boolean {
	return Number.isFinite(value) && value <= limit;
}

export function atLeast(value: number, limit: number): boolean {
	return Number.isFinite(value) && value >= limit;
}
