import { jsonPieces, stringSlices } from "../../text/json-pieces.js";

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
 * An object as a JSON byte stream, the same text `JSON.stringify` gives, with long strings (transcripts)
 * escaped and encoded a slice at a time as the client reads: an answer with two 16 MiB transcripts does
 * not hold a 32 MiB JSON string and its 32 MiB of bytes on top of the transcripts themselves.
 */
export function jsonStream(value: Record<string, unknown>): ReadableStream<Uint8Array> {
  const pieces = jsonPieces(value);
  const encoder = new TextEncoder();
  return new ReadableStream({
    pull(controller) {
      const next = pieces.next();
      if (next.done) controller.close();
      else for (const chunk of chunked(encoder.encode(next.value))) controller.enqueue(chunk);
    },
  });
}

/** Text already in memory, encoded and sent a slice at a time: never a second, encoded copy of it whole. */
export function textStream(text: string): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  function* encoded() {
    for (const slice of stringSlices(text)) yield* chunked(encoder.encode(slice));
  }
  return ReadableStream.from(encoded());
}
