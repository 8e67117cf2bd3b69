/**
 * The one backoff rule of the service, as pure functions over injected randomness: exponential growth
 * capped at `maxDelayMs`, full jitter (a uniform wait between zero and that cap, so clients that failed
 * together do not retry together), and a provider's `Retry-After` as the floor.
 */
export interface BackoffRule {
  /** The cap of the first retry's wait; it doubles with each retry, up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
}

/** The wait before retry number `retry` (1 for the first retry). `random` returns a number in [0, 1). */
export function fullJitterDelay(
  rule: BackoffRule,
  retry: number,
  { floorMs = 0, random = Math.random }: { floorMs?: number; random?: () => number } = {},
): number {
  const cap = Math.min(rule.maxDelayMs, rule.initialDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.max(floorMs, random() * cap);
}
