import { connect } from "node:net";

export interface RawAnswer {
  /** The final status (after any interim 1xx answers), or undefined when none arrived. */
  status: number | undefined;
  /** The interim answers' statuses (a `100 Continue`) that came before the final one. */
  interim: number[];
  headers: Record<string, string>;
  body: string;
  /** Whether the whole body arrived (by its Content-Length, or its last chunk). */
  complete: boolean;
  /** How the connection ended: closed cleanly, reset, or still open when `waitMs` ran out. */
  ending: "closed" | "reset" | "timeout";
  /** Body bytes the client managed to write before it stopped. */
  sentBytes: number;
}

export interface RawRequest {
  port: number;
  /** Where to connect; loopback unless said. */
  host?: string | undefined;
  /** The request line and headers, exactly as sent (CRLF line ends, blank line included). */
  head: string | Buffer;
  /** Body chunks, written one after another (each awaited). A function produces chunk n, or undefined when done. */
  body?: Buffer | ((index: number) => Buffer | undefined);
  /** Shut our sending side once the body is written (a half-close). */
  halfClose?: boolean;
  /** Stop writing (and keep the socket open) after this many body bytes. */
  stallAfterBytes?: number;
  /** Go on writing the body after the answer starts to arrive, as a client that writes blindly does. */
  keepWriting?: boolean;
  /** Give up waiting for the end of the answer after this long. */
  waitMs?: number;
}

/**
 * An HTTP/1.1 client on a bare socket, for what fetch will not send: broken framing, half-closes, stalls,
 * raw header bytes. Unless told to keep writing, it stops as soon as an answer starts to arrive.
 */
export function rawRequest(request: RawRequest): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(request.port, request.host ?? "127.0.0.1");
    const received: Buffer[] = [];
    let answered = false;
    let sentBytes = 0;
    let ending: RawAnswer["ending"] = "closed";
    const timer = setTimeout(() => {
      ending = "timeout";
      socket.destroy();
    }, request.waitMs ?? 20_000);

    const progress = trackCompletion();
    socket.on("data", (chunk: Buffer) => {
      received.push(chunk);
      const { finalHeadSeen, complete } = progress(chunk, received);
      // A `100 Continue` asks for the body: only the final answer stops a client that does not keep writing.
      answered = finalHeadSeen;
      // A complete answer ends the exchange; a kept-alive connection would otherwise hold us until it idles out.
      if (complete) socket.destroy();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ECONNRESET" || error.code === "EPIPE") ending = "reset";
    });
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ ...parse(Buffer.concat(received).toString("latin1")), ending, sentBytes });
    });
    socket.on("connect", () => {
      void (async () => {
        await write(socket, typeof request.head === "string" ? Buffer.from(request.head, "latin1") : request.head);
        const next = typeof request.body === "function" ? request.body : once(request.body);
        for (let index = 0; (request.keepWriting || !answered) && !socket.destroyed; index++) {
          let chunk = next(index);
          if (chunk === undefined) break;
          if (request.stallAfterBytes !== undefined) {
            chunk = chunk.subarray(0, Math.max(0, request.stallAfterBytes - sentBytes));
            if (chunk.length === 0) return;
          }
          if (!(await write(socket, chunk))) return;
          sentBytes += chunk.length;
        }
        if (request.halfClose && !socket.destroyed) socket.end();
      })();
    });
  });
}

/**
 * Tells, chunk by chunk, whether a whole answer has arrived, looking at each byte about once: the head is
 * parsed when it is complete, then only byte counts (Content-Length) or the tail (chunked) are checked.
 */
function trackCompletion() {
  let expectedTotal: number | undefined;
  let chunked = false;
  let headStart = 0;
  let finalHeadSeen = false;
  let total = 0;
  let tail = "";
  return (chunk: Buffer, received: Buffer[]): { finalHeadSeen: boolean; complete: boolean } => {
    total += chunk.length;
    tail = (tail + chunk.subarray(-5).toString("latin1")).slice(-5);
    while (!finalHeadSeen) {
      const text = Buffer.concat(received).toString("latin1");
      const headEnd = text.indexOf("\r\n\r\n", headStart);
      if (headEnd === -1) return { finalHeadSeen, complete: false };
      const head = text.slice(headStart, headEnd).toLowerCase();
      if (INTERIM.test(head)) {
        headStart = headEnd + 4;
        continue;
      }
      finalHeadSeen = true;
      chunked = /\r\ntransfer-encoding:\s*chunked/.test(head);
      const length = /\r\ncontent-length:\s*(\d+)/.exec(head)?.[1];
      if (length !== undefined) expectedTotal = headEnd + 4 + Number(length);
      // A 204 or 304 has no body, whatever its headers say.
      if (/^http\/1\.1 (204|304) /.test(head)) expectedTotal = headEnd + 4;
    }
    const complete = chunked ? tail === "0\r\n\r\n" : expectedTotal !== undefined && total >= expectedTotal;
    return { finalHeadSeen, complete };
  };
}

/** An interim answer's status line (1xx but 101, which switches protocols and is final here). */
const INTERIM = /^http\/1\.1 1(?!01)\d\d /;

function once(body: Buffer | undefined): (index: number) => Buffer | undefined {
  return (index) => (index === 0 ? body : undefined);
}

function write(socket: ReturnType<typeof connect>, chunk: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    if (socket.destroyed || !socket.writable) return resolve(false);
    socket.write(chunk, (error) => resolve(error === undefined || error === null));
  });
}

function parse(answer: string): Omit<RawAnswer, "ending" | "sentBytes"> & { complete: boolean } {
  const interim: number[] = [];
  let text = answer;
  while (INTERIM.test(text.slice(0, 13).toLowerCase()) && text.includes("\r\n\r\n")) {
    interim.push(Number(text.slice(9, 12)));
    text = text.slice(text.indexOf("\r\n\r\n") + 4);
  }
  const match = /^HTTP\/1\.1 (\d{3})[^\r\n]*\r\n/.exec(text);
  const headEnd = text.indexOf("\r\n\r\n");
  if (match === null || headEnd === -1) return { status: undefined, interim, headers: {}, body: "", complete: false };
  const headers: Record<string, string> = {};
  for (const line of text.slice(match[0].length, headEnd).split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = text.slice(headEnd + 4);
  if (headers["transfer-encoding"] === "chunked") {
    const { body, complete } = dechunk(rest);
    return { status: Number(match[1]), interim, headers, body: Buffer.from(body, "latin1").toString("utf8"), complete };
  }
  const length = Number(headers["content-length"] ?? Number.NaN);
  const complete = Number.isFinite(length) && rest.length >= length;
  const body = complete ? rest.slice(0, length) : rest;
  return { status: Number(match[1]), interim, headers, body: Buffer.from(body, "latin1").toString("utf8"), complete };
}

/** A chunked body's data, and whether its last (empty) chunk has arrived. */
function dechunk(text: string): { body: string; complete: boolean } {
  let body = "";
  let position = 0;
  for (;;) {
    const lineEnd = text.indexOf("\r\n", position);
    if (lineEnd === -1) return { body, complete: false };
    const size = Number.parseInt(text.slice(position, lineEnd), 16);
    if (Number.isNaN(size)) return { body, complete: false };
    if (size === 0) return { body, complete: true };
    const start = lineEnd + 2;
    if (text.length < start + size + 2) return { body: body + text.slice(start), complete: false };
    body += text.slice(start, start + size);
    position = start + size + 2;
  }
}
