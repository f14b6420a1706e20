import { describe, expect, it } from 'vitest';
import { backoff } from './live.svelte';

describe('reconnection backoff', () => {
	it('grows exponentially from half a second and is capped at 30 s', () => {
		const mid = () => 0.5;
		expect(backoff(0, mid)).toBe(375);
		expect(backoff(1, mid)).toBe(750);
		expect(backoff(3, mid)).toBe(3000);
		expect(backoff(20, mid)).toBe(22_500);
		expect(backoff(20, () => 1)).toBe(30_000);
	});

	it('spreads clients with jitter so that they do not reconnect all at once', () => {
		expect(backoff(4, () => 0)).toBe(4000);
		expect(backoff(4, () => 0.999)).toBeGreaterThan(7990);
	});
});
