/**
 * The HTTP statuses a second try of the same request may change: 408 (the other side gave up waiting, and a new
 * try sends it again from the start), 429 (too many at once) and 5xx (the other side's fault). Every other 4xx is
 * a refusal of what was sent, which the same request would get again.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}
