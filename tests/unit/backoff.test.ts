import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fullJitterDelay } from "../../app/resilience/backoff.js";

const rule = { initialDelayMs: 100, maxDelayMs: 2_000 };

describe("fullJitterDelay", () => {
  it("spans zero to the exponential cap, doubling each retry up to the maximum", () => {
    expect(fullJitterDelay(rule, 1, { random: () => 0 })).toBe(0);
    expect(fullJitterDelay(rule, 1, { random: () => 0.999999 })).toBeCloseTo(100, 2);
    expect(fullJitterDelay(rule, 2, { random: () => 0.5 })).toBe(100);
    expect(fullJitterDelay(rule, 3, { random: () => 0.5 })).toBe(200);
    expect(fullJitterDelay(rule, 10, { random: () => 0.5 })).toBe(1_000);
    expect(fullJitterDelay(rule, 60, { random: () => 0.5 })).toBe(1_000);
  });

  it("never waits less than Retry-After", () => {
    expect(fullJitterDelay(rule, 1, { floorMs: 1_500, random: () => 0.1 })).toBe(1_500);
    expect(fullJitterDelay(rule, 10, { floorMs: 300, random: () => 0.9 })).toBe(1_800);
  });

  it("stays within [floor, max(floor, cap)] for any randomness and retry", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        fc.nat({ max: 10_000 }),
        (retry, random, floorMs) => {
          const wait = fullJitterDelay(rule, retry, { floorMs, random: () => random });
          const cap = Math.min(rule.maxDelayMs, rule.initialDelayMs * 2 ** (retry - 1));
          expect(wait).toBeGreaterThanOrEqual(floorMs);
          expect(wait).toBeLessThanOrEqual(Math.max(floorMs, cap));
        },
      ),
    );
  });
});
