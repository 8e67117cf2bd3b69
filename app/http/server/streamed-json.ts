import { jsonPieces, stringSlices } from "../../text/json-pieces.js";
import { createPacer, yieldToLoop } from "../../text/loop-pause.js";

/**
 * Bytes handed to the socket at a time. A write counts as progress only once all of it is taken, so a
 * multi-megabyte piece (a long `words` array) would have a slow but steady reader cut by the unread-answer
 * limit; in pieces this size, taking 64 KiB restarts the count.
 */
export const ANSWER_CHUNK_BYTES = 64 * 1024;

function* chunked(bytes: Uint8Array): Generator<Uint8Array> {
  for (let start = 0; start < bytes.length; start += ANSWER_CHUNK_BYTES)
    yield bytes.subarray(start, start + ANSWER_CHUNK_BYTES);
}

/**
 * Characters gathered before they are encoded and handed on: a short answer's fields go to the socket in one
 * write, not one write per field.
 */
const CHARS_PER_WRITE = 16 * 1024;

/** One for every answer: a `TextEncoder` keeps no state between calls. */
const encoder = new TextEncoder();

/** Characters encoded between two pauses of the event loop: a few milliseconds of work. */
const CHARS_BETWEEN_PAUSES = 1024 * 1024;

/** The next pieces, about `chars` characters of them, as one string; `done` once none are left. */
function gatherPieces(pieces: Iterator<string>, chars = CHARS_PER_WRITE): { text: string; done: boolean } {
  const gathered: string[] = [];
  let gatheredChars = 0;
  while (gatheredChars < chars) {
    const next = pieces.next();
    if (next.done) return { text: gathered.join(""), done: true };
    gathered.push(next.value);
    gatheredChars += next.value.length;
  }
  return { text: gathered.join(""), done: false };
}

/**
 * Text pieces as a byte stream, encoded as the client reads, the event loop let run every megabyte or so.
 * Without the pauses, a client that reads as fast as it is written (on the same host, its socket never full)
 * would have the whole answer written in one go: each read of the stream is a promise, so nothing else runs
 * until the last byte of a long transcript's answer is out.
 */
function pacedStream(pieces: Iterator<string>, head: Uint8Array): ReadableStream<Uint8Array> {
  const pacer = createPacer(CHARS_BETWEEN_PAUSES);
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunked(head)) controller.enqueue(chunk);
    },
    async pull(controller) {
      const { text, done } = gatherPieces(pieces);
      if (text.length > 0) for (const chunk of chunked(encoder.encode(text))) controller.enqueue(chunk);
      if (done) {
        controller.close();
        return;
      }
      if (pacer.due(text.length)) await yieldToLoop();
    },
  });
}

/** An answer's body: its bytes whole when short, else a stream of them. */
export type AnswerBody = Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>;

/**
 * Text pieces as an answer's body: whole when they come to one chunk (`ANSWER_CHUNK_BYTES`), which the adapter
 * sends with a `Content-Length`, in one write; else a stream, which goes out chunked.
 */
function answerBody(pieces: Iterator<string>): AnswerBody {
  const first = gatherPieces(pieces, ANSWER_CHUNK_BYTES);
  const head = encoder.encode(first.text);
  return first.done && head.length <= ANSWER_CHUNK_BYTES ? head : pacedStream(pieces, head);
}

/**
 * An object as a JSON body, the same text `JSON.stringify` gives. A long one is a stream, its long strings
 * (transcripts) escaped and encoded a slice at a time as the client reads: an answer with two 16 MiB
 * transcripts does not hold a 32 MiB JSON string and its 32 MiB of bytes on top of the transcripts themselves.
 */
export function jsonBody(value: Record<string, unknown>): AnswerBody {
  return answerBody(jsonPieces(value));
}

/** Text already in memory as a body; a long one encoded and sent a slice at a time, never a second copy whole. */
export function textBody(text: string): AnswerBody {
  return answerBody(stringSlices(text));
}
