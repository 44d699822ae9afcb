/** Seeded randomness: the same seed gives the same faults, ids and jitter, so a failing run can be replayed. */

/** mulberry32: tiny, fast and good enough for fault shares; never used for anything secret. */
export function mulberry32(seed: number): () => number {
	let state = seed >>> 0;
	return () => {
		state = (state + 0x6d2b79f5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** FNV-1a over `seed:stream`, so each ERP (and each purpose) gets its own independent stream. */
export function streamSeed(seed: number, stream: string): number {
	let hash = 0x811c9dc5;
	for (const char of `${seed}:${stream}`) {
		hash ^= char.charCodeAt(0);
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash >>> 0;
}

/** Deterministic hex string (tokens, GUIDs) from a seeded stream. */
export function randomHex(random: () => number, length: number): string {
	let out = '';
	while (out.length < length) out += Math.floor(random() * 16).toString(16);
	return out;
}
