import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

/** How long, and how much, is read and discarded after an early answer before the connection is closed. */
export interface LingerLimits {
  maxMs: number;
  maxBytes: number;
}

export const DEFAULT_LINGER: LingerLimits = { maxMs: 5_000, maxBytes: 64 * 1024 * 1024 };

const lingering = new WeakSet<Socket>();

/** Shuts our side of a socket answered before its request was read to the end, then drains what still comes. */
export function lingerThenClose(request: IncomingMessage, socket: Socket, limits: LingerLimits) {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  if (socket.writable) socket.end();
  drainThenClose(request, socket, limits);
}

/**
 * Reads and drops what still arrives on `incoming` (the request, or the raw socket), closing the socket once
 * `limits` are spent: the one bounded drain behind every refusal that lets the client read its answer.
 */
export function drainThenClose(incoming: IncomingMessage | Socket, socket: Socket, limits: LingerLimits) {
  let bytes = 0;
  const close = () => socket.destroy();
  const timer = setTimeout(close, limits.maxMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  incoming.on("error", () => undefined);
  incoming.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > limits.maxBytes) close();
  });
  incoming.resume();
}
