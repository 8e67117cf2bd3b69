import type { IncomingMessage, Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { serve } from "@hono/node-server";
import { ApiError, PROBLEM_CONTENT_TYPE, toProblem } from "../contract/problem.js";

export interface HttpTimeouts {
  /** Time to receive a request's headers. */
  headersMs: number;
  /** How long an idle keep-alive connection is kept open. */
  keepAliveMs: number;
  /** Node's own cut-off for receiving a whole request: a backstop behind the app's own deadline (0: none). */
  requestMs: number;
}

/** How long, and how much, is read and discarded after an early answer before the connection is closed. */
export interface LingerLimits {
  maxMs: number;
  maxBytes: number;
}

export const DEFAULT_LINGER: LingerLimits = { maxMs: 5_000, maxBytes: 64 * 1024 * 1024 };

export interface HttpServerOptions {
  fetch: Parameters<typeof serve>[0]["fetch"];
  port: number;
  hostname?: string;
  timeouts: HttpTimeouts;
  linger?: LingerLimits;
}

/**
 * Starts the Node HTTP server for the app, with the settings that keep every refusal audible:
 *
 * - A client may close its sending side once its request is complete (legal in HTTP/1.1): that is not an
 *   abort, and its answer is still written.
 * - An answer sent before the request body was read to its end is followed by a lingering close, as nginx
 *   does: our side is shut, and the rest of the body is read and discarded for a bounded time and amount,
 *   so the client reads the answer instead of a reset. Past the bounds the socket is destroyed.
 */
export function startHttpServer(options: HttpServerOptions, onListening?: (address: AddressInfo) => void): Server {
  const linger = options.linger ?? DEFAULT_LINGER;
  const server = serve(
    {
      fetch: options.fetch,
      port: options.port,
      ...(options.hostname !== undefined && { hostname: options.hostname }),
      // The lingering close below replaces the adapter's own short drain.
      autoCleanupIncoming: false,
      serverOptions: {
        headersTimeout: options.timeouts.headersMs,
        keepAliveTimeout: options.timeouts.keepAliveMs,
        requestTimeout: options.timeouts.requestMs,
        // How often Node checks those timeouts (30 s by default, so a 60 s limit could hold for 90 s).
        connectionsCheckingInterval: 1_000,
      },
    },
    onListening,
  ) as Server;
  Object.assign(server, { httpAllowHalfOpen: true });

  server.on("clientError", (error: Error & { code?: string }, socket: Socket) =>
    answerClientError(error, socket, linger),
  );

  const requestOf = new WeakMap<Socket, IncomingMessage>();
  server.on("connection", (socket: Socket) => {
    // Node destroys a `Connection: close` socket right after the answer, unread bytes or not (a reset).
    const destroySoon = socket.destroySoon.bind(socket);
    socket.destroySoon = () => {
      const request = requestOf.get(socket);
      if (request !== undefined && !request.complete) lingerThenClose(request, socket, linger);
      else destroySoon();
    };
  });
  server.on("request", (request: IncomingMessage, response) => {
    requestOf.set(request.socket, request);
    response.once("finish", () => {
      if (!request.complete && !request.socket.destroyed) lingerThenClose(request, request.socket, linger);
    });
  });
  return server;
}

/**
 * What Node's HTTP parser refuses (bad request line, header bytes, chunk framing, headers too large or too
 * slow) never reaches the app: it is answered here, in the same problem+json shape, before the socket closes.
 */
function answerClientError(error: Error & { code?: string }, socket: Socket, limits: LingerLimits) {
  // As Node's own handler does: once an answer has started on this socket, nothing more can be said.
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || answering?.headersSent === true) {
    socket.destroy();
    return;
  }
  const problem = toProblem(
    error.code === "HPE_HEADER_OVERFLOW"
      ? new ApiError("headers_too_large", "The request's headers are too large.")
      : error.code === "ERR_HTTP_REQUEST_TIMEOUT"
        ? new ApiError("headers_timeout", "The request did not arrive in time.")
        : new ApiError("malformed_request", "The request is not well-formed HTTP/1.1."),
    null,
  );
  const body = JSON.stringify(problem);
  socket.end(
    `HTTP/1.1 ${problem.status} ${problem.title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `X-Content-Type-Options: nosniff\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  // As for the app's own refusals: read and drop what the client still sends (bounded), so it reads the
  // answer instead of a reset; then close.
  drainThenClose(socket, socket, limits);
  socket.once("end", () => socket.destroy());
}

const lingering = new WeakSet<Socket>();

function lingerThenClose(request: IncomingMessage, socket: Socket, limits: LingerLimits) {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  if (socket.writable) socket.end();
  drainThenClose(request, socket, limits);
}

/**
 * Reads and drops what still arrives on `incoming` (the request, or the raw socket), closing the socket once
 * `limits` are spent: the one bounded drain behind every refusal that lets the client read its answer.
 */
function drainThenClose(incoming: IncomingMessage | Socket, socket: Socket, limits: LingerLimits) {
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
