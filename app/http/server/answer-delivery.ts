import type { ServerResponse } from "node:http";

/**
 * Calls `done` once when the answer has left or its connection is gone: a request holds what it counts
 * against (the instance's limit, its tenant's share) until its client has it, not only until the handler
 * returns, so clients that read their answers slowly cannot pile up answers beyond the limits. At once
 * where there is no socket (`app.request()` in tests) or it is already closed.
 */
export function whenAnswerDelivered(outgoing: ServerResponse | undefined, done: () => void): void {
  if (outgoing === undefined || outgoing.destroyed || outgoing.closed) done();
  else outgoing.once("close", done);
}
