import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { DEFAULT_LINGER, lingerThenClose, type LingerLimits } from "./lingering-close.js";
import {
  adapterRefusal,
  connectRefusal,
  expectationRefusal,
  dropEmptyPort,
  hostRefusal,
  parserRefusal,
  refuseOnSocket,
  refuseResponse,
} from "./server-refusals.js";

export interface HttpTimeouts {
  /** Time to receive a request's headers. */
  headersMs: number;
  /** How long an idle keep-alive connection is kept open. */
  keepAliveMs: number;
  /** Node's own cut-off for receiving a whole request: a backstop behind the app's own deadline (0: none). */
  requestMs: number;
}

export interface HttpServerOptions {
  fetch: Parameters<typeof getRequestListener>[0];
  port: number;
  hostname?: string;
  timeouts: HttpTimeouts;
  linger?: LingerLimits;
}

/**
 * Sends `100 Continue` only when the app starts reading the body (Node sends it at once): a refusal the
 * headers decide (401, 413 by length, a bad query) is then the only answer, and the client never sends a
 * body that would be thrown away (RFC 9110 10.1.1). curl asks so for every upload over 1 MiB.
 */
function continueOnFirstRead(request: IncomingMessage, response: ServerResponse): void {
  const read = request._read.bind(request);
  // Reading a body that already arrived with the headers calls no `_read`: its stream resuming says it too.
  const sendContinue = () => {
    request._read = read;
    request.off("resume", sendContinue);
    if (!response.headersSent) response.writeContinue();
  };
  request._read = (size: number) => {
    sendContinue();
    read(size);
  };
  request.once("resume", sendContinue);
}

/** The name a request without `Host` (HTTP/1.0 allows it) is taken to be addressed to. */
const OWN_NAME = "localhost";

/**
 * Starts the Node HTTP server for the app, with the settings that keep every refusal audible:
 *
 * - A client may close its sending side once its request is complete (legal in HTTP/1.1): that is not an
 *   abort, and its answer is still written.
 * - An answer sent before the request body was read to its end is followed by a lingering close, as nginx
 *   does: our side is shut, and the rest of the body is read and discarded for a bounded time and amount,
 *   so the client reads the answer instead of a reset. Past the bounds the socket is destroyed.
 * - What the server refuses before the app sees a request (see server-refusals.ts) is problem+json too.
 */
export function startHttpServer(options: HttpServerOptions, onListening?: (address: AddressInfo) => void): Server {
  const linger = options.linger ?? DEFAULT_LINGER;
  const toApp = getRequestListener(options.fetch, {
    hostname: options.hostname ?? OWN_NAME,
    // The lingering close below replaces the adapter's own short drain.
    autoCleanupIncoming: false,
    errorHandler: adapterRefusal,
  });

  const requestOf = new WeakMap<Socket, IncomingMessage>();
  const track = (request: IncomingMessage, response: ServerResponse) => {
    requestOf.set(request.socket, request);
    // An answer written before the body was read to its end is the connection's last (the lingering close
    // below): it says `Connection: close` (RFC 9112 9.6), so no client sends its next request on it.
    const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => ServerResponse;
    response.writeHead = (...args: unknown[]) => {
      if (!request.complete) response.shouldKeepAlive = false;
      return writeHead(...args);
    };
    response.once("finish", () => {
      if (!request.complete && !request.socket.destroyed) lingerThenClose(request, request.socket, linger);
    });
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    track(request, response);
    const refusal = hostRefusal(request);
    if (refusal !== undefined) return refuseResponse(response, refusal);
    dropEmptyPort(request);
    void toApp(request, response);
  };

  const server = createServer(
    {
      headersTimeout: options.timeouts.headersMs,
      keepAliveTimeout: options.timeouts.keepAliveMs,
      requestTimeout: options.timeouts.requestMs,
      // How often Node checks those timeouts (30 s by default, so a 60 s limit could hold for 90 s).
      connectionsCheckingInterval: 1_000,
      // Node's own refusal is an empty 400; hostRefusal answers it in our shape.
      requireHostHeader: false,
    },
    handle,
  );
  Object.assign(server, { httpAllowHalfOpen: true });

  server.on("clientError", (error: Error & { code?: string }, socket: Socket) =>
    refuseOnSocket(socket, parserRefusal(error), linger),
  );
  server.on("connect", (_request: IncomingMessage, socket: Socket) => refuseOnSocket(socket, connectRefusal(), linger));
  server.on("checkContinue", (request: IncomingMessage, response: ServerResponse) => {
    continueOnFirstRead(request, response);
    handle(request, response);
  });
  server.on("checkExpectation", (request: IncomingMessage, response: ServerResponse) => {
    // An empty Expect asks for nothing: the request is served as if it had none.
    if (request.headers.expect?.trim() === "") return handle(request, response);
    track(request, response);
    refuseResponse(response, expectationRefusal());
  });
  server.on("connection", (socket: Socket) => {
    // Node destroys a `Connection: close` socket right after the answer, unread bytes or not (a reset).
    const destroySoon = socket.destroySoon.bind(socket);
    socket.destroySoon = () => {
      const request = requestOf.get(socket);
      if (request !== undefined && !request.complete) lingerThenClose(request, socket, linger);
      else destroySoon();
    };
  });

  server.listen(options.port, options.hostname, () => onListening?.(server.address() as AddressInfo));
  return server;
}
