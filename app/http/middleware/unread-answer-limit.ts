import { createMiddleware } from "hono/factory";
import type { ServerResponse } from "node:http";
import type { Logger } from "../../logger.js";
import type { AppEnv } from "../server/app-env.js";

export interface AnswerLimits {
  /** A connection that moves no bytes of the answer this long is closed (0: never). */
  idleMs: number;
  /** An answer not sent in full this long after it starts is cut (0: never). */
  totalMs: number;
}

/**
 * Closes the connection of a client that stops reading its answer, or reads it too slowly to ever finish:
 * once the answer starts, a socket that moves no bytes for `idleMs`, or an answer still unsent after
 * `totalMs`, is destroyed, with a warning in the request's log. Without it, a client that sends a request
 * and never reads holds the answer (two transcripts of a long recording), its connection and its slot for
 * as long as it likes. A slow reader is not cut by the idle limit: every piece the client takes restarts
 * the count. Only under @hono/node-server (the answer's socket is not known to `app.request()`).
 */
export function unreadAnswerLimit(limits: AnswerLimits) {
  return createMiddleware<AppEnv>(async function unreadAnswerLimit(c, next) {
    await next();
    const outgoing = c.env?.outgoing;
    if (outgoing === undefined || outgoing.writableFinished || outgoing.destroyed) return;
    const cut = cutter(outgoing, c.var.log, c.req.path);
    if (limits.idleMs > 0) {
      // Node writes the answer once this returns; the socket's own timeout counts from there. An answer
      // queued behind another on the same connection (pipelining) has no socket yet: Node arms it then.
      outgoing.setTimeout(limits.idleMs, () =>
        cut("the client read nothing of the answer in time; connection closed", { idle_s: limits.idleMs / 1000 }),
      );
      // Before Node's own handler, which detaches the socket and then gives it its keep-alive timeout or
      // the next pipelined answer (whose request may take long): the limit is this answer's only.
      outgoing.prependOnceListener("finish", () => outgoing.socket?.setTimeout(0));
    }
    if (limits.totalMs > 0) {
      const deadline = setTimeout(
        () => cut("the answer was not read in full in time; connection closed", { total_s: limits.totalMs / 1000 }),
        limits.totalMs,
      );
      deadline.unref();
      outgoing.once("close", () => clearTimeout(deadline));
    }
  });
}

/** Ends an answer its client does not take, once, saying why. */
function cutter(outgoing: ServerResponse, log: Logger, path: string) {
  return (why: string, limit: Record<string, number>) => {
    if (outgoing.destroyed) return;
    log.warn({ path, ...limit, bytes_left: outgoing.socket?.writableLength }, why);
    outgoing.destroy();
  };
}
