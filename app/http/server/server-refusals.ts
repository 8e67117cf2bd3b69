import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { RequestError } from "@hono/node-server";
import { ApiError, PROBLEM_CONTENT_TYPE, toProblem, type Problem } from "../contract/problem.js";
import { drainThenClose, type LingerLimits } from "./lingering-close.js";

/*
 * What the Node server refuses before the app sees a request. Node and the Hono adapter answer these with an
 * empty 400 or 417 of their own; here each is the same problem+json as every other refusal (without an
 * interaction id: no request context exists yet), and the connection closes after it.
 */

const problemHeaders = (body: string) => ({
  "Content-Type": PROBLEM_CONTENT_TYPE,
  "X-Content-Type-Options": "nosniff",
  "Content-Length": String(Buffer.byteLength(body)),
  Connection: "close",
});

const problemOf = (error: ApiError): { problem: Problem; body: string } => {
  const problem = toProblem(error, null);
  return { problem, body: JSON.stringify(problem) };
};

/** Writes a refusal on a socket Node's parser has given up on (or handed over, as for CONNECT). */
export function refuseOnSocket(socket: Socket, error: ApiError, limits: LingerLimits): void {
  // As Node's own handler does: once an answer has started on this socket, nothing more can be said.
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (!socket.writable || answering?.headersSent === true) {
    socket.destroy();
    return;
  }
  const { problem, body } = problemOf(error);
  const head = Object.entries(problemHeaders(body))
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("");
  socket.end(`HTTP/1.1 ${problem.status} ${problem.title}\r\n${head}\r\n${body}`);
  // Read and drop what the client still sends (bounded), so it reads the answer instead of a reset.
  drainThenClose(socket, socket, limits);
  socket.once("end", () => socket.destroy());
}

/** What Node's HTTP parser refuses: bad request line, header bytes, chunk framing, headers too large or too slow. */
export function parserRefusal(error: Error & { code?: string }): ApiError {
  if (error.code === "HPE_HEADER_OVERFLOW")
    return new ApiError("headers_too_large", "The request's headers are too large.");
  if (error.code === "ERR_HTTP_REQUEST_TIMEOUT")
    return new ApiError("headers_timeout", "The request did not arrive in time.");
  return new ApiError("malformed_request", "The request is not well-formed HTTP/1.1.");
}

/** CONNECT asks for a tunnel: this service is an origin server, not a proxy. */
export const connectRefusal = () =>
  new ApiError("malformed_request", "CONNECT asks for a tunnel; this service is not a proxy.");

/** Answers a parsed request the server refuses itself, on its own response. */
export function refuseResponse(response: ServerResponse, error: ApiError): void {
  const { problem, body } = problemOf(error);
  response.writeHead(problem.status, problem.title, problemHeaders(body));
  response.end(body);
}

/** An `Expect` other than `100-continue`: the only expectation this service meets (RFC 9110 §10.1.1). */
export const expectationRefusal = () =>
  new ApiError(
    "expectation_failed",
    "Only Expect: 100-continue is supported; send the request without the other expectation.",
  );

/**
 * A `Host` as RFC 3986 writes one: a name or IPv4 address of its characters, or an IP literal in brackets,
 * then an optional port. Anything else (`?`, `#`, `/`, `@`, `\`, non-ASCII) could move the URL the adapter
 * builds from it, and with it the route. Linear: no part can match the same characters two ways.
 */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::[0-9]*)?$/;

/**
 * A request whose `Host` is missing where HTTP/1.1 needs one (RFC 9112 §3.2 asks for a 400), or is not a
 * host. HTTP/1.0 may leave it out: such a request is served as if sent to this server's own name.
 */
export function hostRefusal(request: IncomingMessage): ApiError | undefined {
  const { host } = request.headers;
  if (host === undefined)
    return request.httpVersion === "1.0"
      ? undefined
      : new ApiError("malformed_request", "An HTTP/1.1 request needs a Host header.");
  if (HOST.test(host)) return undefined;
  return new ApiError("malformed_request", "The Host header is not a host name or address, with an optional port.");
}

/** RFC 3986 allows an empty port (`example.com:`), meaning the default one; the adapter would refuse it. */
export function dropEmptyPort(request: IncomingMessage): void {
  const { host } = request.headers;
  if (host?.endsWith(":")) request.headers.host = host.slice(0, -1);
}

/**
 * The adapter's refusal of a request it cannot turn into a URL (a Host header or request target that is not
 * valid). Its messages are its own, never the client's bytes. Anything else thrown before the app answers is
 * our fault.
 */
export function adapterRefusal(error: unknown): Response {
  const refusal =
    error instanceof RequestError
      ? new ApiError("malformed_request", `The request's Host header or target is not valid (${error.message}).`)
      : new ApiError("internal", "The request could not be completed.", {}, { cause: error });
  const { problem, body } = problemOf(refusal);
  return new Response(body, { status: problem.status, headers: problemHeaders(body) });
}
