import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { Readable } from "node:stream";
import { ownsItsBuffer, sendBody } from "./sent-chunks.js";

/** Statuses whose response has no body, which `Response` refuses one for. */
const NO_BODY = new Set([204, 205, 304]);

/** What the caller reads in place of a kept body: JSON that any SDK parses at no cost. */
const KEPT_BODY = "{}";

export interface NodeStreamFetchOptions {
  /** Where a body this `fetch` does not send itself goes. */
  fallback?: typeof fetch;
  /**
   * Takes a success (2xx) answer's bytes as they came, each chunk in an array buffer of its own (one that
   * may be moved to a worker); the caller of `fetch` then gets that answer with `{}` for a body, so an SDK
   * does not decode and parse it on the event loop. They are not joined here either: a fresh buffer of tens of
   * megabytes can set off a full collection on the spot.
   */
  keepSuccessBody?: (chunks: Uint8Array[]) => void;
  /**
   * The most bytes of a kept answer read: one longer (by its `Content-Length`, or as it arrives) is dropped
   * there and the request rejects with `AnswerTooLarge`, so what is held never outgrows the limit.
   */
  maxSuccessBytes?: number;
  /**
   * Room to hold a kept answer, asked for before its bytes are held: its `Content-Length` before any is
   * read, or, for an answer of unknown length, twice what has arrived each time that passes the room asked
   * for (at most the limit). A promise pauses reading until it resolves (the provider waits on TCP's
   * backpressure); a rejection stops reading, and the request rejects with its error. Undefined: room enough.
   */
  roomForSuccessBody?: (bytes: number) => Promise<void> | undefined;
}

/** A success answer longer than `maxSuccessBytes`: its reading was stopped. */
export class AnswerTooLarge extends Error {
  override readonly name = "AnswerTooLarge";
  constructor(readonly maxBytes: number) {
    super(`The answer is longer than ${maxBytes} bytes.`);
  }
}

/** Whether a `Content-Length` already says the answer is over the limit. */
function declaredOver(length: string | null | undefined, maxBytes: number): boolean {
  return length !== null && length !== undefined && Number(length) > maxBytes;
}

/** Asks room for a kept answer's bytes ahead of holding them, as `roomForSuccessBody` says. */
function answerRoom(
  ask: ((bytes: number) => Promise<void> | undefined) | undefined,
  declared: string | null | undefined,
  maxBytes: number,
) {
  const length = declared === null || declared === undefined ? NaN : Number(declared);
  let room = 0;
  return {
    /** Before the first byte: room for the declared length. */
    first(): Promise<void> | undefined {
      if (ask === undefined || !(length > 0)) return undefined;
      room = length;
      return ask(length);
    },
    /** Once `held` bytes are held: more room when they pass what was asked for. */
    after(held: number): Promise<void> | undefined {
      if (ask === undefined || held <= room) return undefined;
      room = Math.min(maxBytes, held * 2);
      return ask(room);
    },
    /** Once all `held` bytes are in: room for them alone (what was asked past them goes back). */
    last(held: number): Promise<void> | undefined {
      if (ask === undefined || held >= room) return undefined;
      room = held;
      return ask(held);
    },
  };
}

function headersOf(reply: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i < reply.rawHeaders.length; i += 2) headers.append(reply.rawHeaders[i]!, reply.rawHeaders[i + 1]!);
  return headers;
}

/** The chunk in an array buffer of its own, copied when it is a view into a larger one (Node's shared pool). */
function ownBuffer(chunk: Uint8Array): Uint8Array {
  return ownsItsBuffer(chunk) ? chunk : new Uint8Array(chunk);
}

/** A success answer's body goes to `keep`, and the answer on with none. */
function keptAnswer(status: number, chunks: Uint8Array[], init: ResponseInit, keep?: (chunks: Uint8Array[]) => void) {
  if (keep !== undefined && status >= 200 && status < 300) {
    keep(chunks.map(ownBuffer));
    return new Response(NO_BODY.has(status) ? null : KEPT_BODY, init);
  }
  return new Response(NO_BODY.has(status) ? null : Buffer.concat(chunks), init);
}

/**
 * `fetch` for a body that is a Node stream or a string: piped into `http.request` as it comes, with Node's
 * backpressure, instead of being wrapped in a web stream for undici (which cost about a tenth of the audio
 * path's CPU). Any other body goes to `fallback`. The answer is read whole, as an SDK reading JSON would read
 * it; a reply cut short rejects, as `fetch` does.
 */
export function nodeStreamFetch({
  fallback = fetch,
  keepSuccessBody,
  maxSuccessBytes = Infinity,
  roomForSuccessBody,
}: NodeStreamFetchOptions = {}): typeof fetch {
  const keeps = (status: number) => keepSuccessBody !== undefined && status >= 200 && status < 300;
  /** The limit on an answer of `status`: only a kept (success) answer has one. */
  const limitOf = (status: number) => (keeps(status) ? maxSuccessBytes : Infinity);
  /** The room asked for an answer of `status`: only a kept answer is held. */
  const roomOf = (status: number, declared: string | null | undefined) =>
    answerRoom(keeps(status) ? roomForSuccessBody : undefined, declared, maxSuccessBytes);
  const viaFallback = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const response = await fallback(input, init);
    if (keepSuccessBody === undefined || !response.ok) return response;
    const { status, statusText, headers } = response;
    if (declaredOver(headers.get("content-length"), maxSuccessBytes)) {
      await response.body?.cancel();
      throw new AnswerTooLarge(maxSuccessBytes);
    }
    const chunks: Uint8Array[] = [];
    let received = 0;
    const room = roomOf(status, headers.get("content-length"));
    try {
      await room.first();
    } catch (error) {
      await response.body?.cancel();
      throw error;
    }
    // Leaving the loop by a throw cancels the body: the rest is never read.
    if (response.body !== null)
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        received += chunk.byteLength;
        if (received > maxSuccessBytes) throw new AnswerTooLarge(maxSuccessBytes);
        chunks.push(chunk);
        await room.after(received);
      }
    await room.last(received);
    return keptAnswer(status, chunks, { status, statusText, headers }, keepSuccessBody);
  };
  return (input, init) => {
    const body = init?.body;
    if (!(body instanceof Readable) && typeof body !== "string") return viaFallback(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const headers = new Headers(init?.headers);
      // A string is sent whole, with its length, as `fetch` would; a stream goes chunked.
      if (typeof body === "string") headers.set("content-length", String(Buffer.byteLength(body)));
      /** Stops sending a stream body: the provider answered before reading all of it (a refusal). */
      let stopSending = (): void => undefined;
      const outgoing = send(url, {
        method: init?.method ?? "POST",
        headers: Object.fromEntries(headers),
        ...(init?.signal && { signal: init.signal }),
      });
      // Listened to for the request's whole life: a write failing after the answer must not go unhandled.
      outgoing.on("error", reject);
      outgoing.once("response", (reply) => {
        const status = reply.statusCode ?? 502;
        const maxBytes = limitOf(status);
        const chunks: Buffer[] = [];
        let received = 0;
        /** Stops reading the answer: the connection is dropped, not drained. */
        let stopped = false;
        const stop = (error: Error) => {
          stopped = true;
          reject(error);
          outgoing.destroy(error);
        };
        const refuse = () => stop(new AnswerTooLarge(maxBytes));
        if (declaredOver(reply.headers["content-length"], maxBytes)) return refuse();
        const room = roomOf(status, reply.headers["content-length"]);
        /** The last room asked for: the answer is given only once it has come, even if its end came first. */
        let roomCame = Promise.resolve();
        /** Reads on once `asked` room has come; reading stays paused until then. */
        const readOnceRoom = (asked: Promise<void>) => {
          reply.pause();
          roomCame = asked.then(
            () => void reply.resume(),
            (error: unknown) => stop(error instanceof Error ? error : new Error(String(error))),
          );
        };
        const onData = (chunk: Buffer) => {
          received += chunk.byteLength;
          if (received > maxBytes) return refuse();
          chunks.push(chunk);
          const asked = room.after(received);
          if (asked !== undefined) readOnceRoom(asked);
        };
        const first = room.first();
        if (first !== undefined) readOnceRoom(first);
        reply.on("data", onData);
        reply.once("error", reject);
        reply.once("end", () => {
          // The provider answered before reading everything (a refusal): the rest of the upload is not its.
          stopSending();
          const init = { status, statusText: reply.statusMessage ?? "", headers: headersOf(reply) };
          void roomCame.then(async () => {
            if (stopped) return;
            try {
              await room.last(received);
              resolve(keptAnswer(status, chunks, init, keepSuccessBody));
            } catch (error) {
              // No room for the answer after all, or a status `Response` cannot carry (below 200, above 599):
              // a broken answer, as fetch would fail.
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        });
      });
      if (typeof body === "string") {
        outgoing.end(body);
        return;
      }
      body.once("error", (error) => outgoing.destroy(error));
      stopSending = sendBody(body, outgoing);
    });
  };
}
