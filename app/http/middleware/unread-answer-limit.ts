import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../server/app-env.js";

/**
 * Closes the connection of a client that stops reading its answer: once the answer starts, a socket that
 * moves no bytes for `idleMs` is destroyed. Without it, a client that sends a request and never reads
 * holds the answer (two transcripts of a long recording) and its connection for as long as it likes, and
 * many of them exhaust the instance's memory. A slow reader is not cut off: every write the client takes
 * restarts the count. Only under @hono/node-server (the answer's socket is not known to `app.request()`).
 */
export function unreadAnswerLimit({ idleMs }: { idleMs: number }) {
  return createMiddleware<AppEnv>(async function unreadAnswerLimit(c, next) {
    await next();
    const outgoing = c.env?.outgoing;
    if (idleMs <= 0 || outgoing === undefined || outgoing.writableFinished || outgoing.destroyed) return;
    const log = c.var.log;
    const path = c.req.path;
    // Node writes the answer once this returns; the socket's own timeout counts from there. An answer queued
    // behind another on the same connection (pipelining) has no socket yet: Node arms it when it gets one.
    outgoing.setTimeout(idleMs, () => {
      log.warn(
        { path, idle_s: Math.round(idleMs / 1000), bytes_left: outgoing.socket?.writableLength },
        "the client read nothing of the answer in time; connection closed",
      );
      outgoing.destroy();
    });
    // Before Node's own handler, which detaches the socket and then gives it its keep-alive timeout or the
    // next pipelined answer (whose request may take long): the limit is this answer's only.
    outgoing.prependOnceListener("finish", () => outgoing.socket?.setTimeout(0));
  });
}
