import type { ServerResponse } from "node:http";

/**
 * Runs the rest of a request's handling while it holds what it counts against (the instance's limit, its
 * tenant's share), and calls `release` once: when its answer has left or its connection is gone, not when
 * the handler returns, so clients that read their answers slowly cannot pile up answers beyond the limits.
 * At once when the handling throws, when there is no socket (`app.request()` in tests), or when it is
 * already closed.
 */
export async function holdUntilDelivered(
  next: () => Promise<void>,
  outgoing: ServerResponse | undefined,
  release: () => void,
): Promise<void> {
  try {
    await next();
  } catch (error) {
    release();
    throw error;
  }
  releaseWhenDelivered(outgoing, release);
}

/** Calls `release` once the answer has left or its connection is gone; at once without a live socket. */
export function releaseWhenDelivered(outgoing: ServerResponse | undefined, release: () => void): void {
  if (outgoing === undefined || outgoing.destroyed || outgoing.closed) release();
  else outgoing.once("close", release);
}
