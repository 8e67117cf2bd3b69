/** Characters of a long string escaped and encoded at a time. */
const SLICE_CHARS = 64 * 1024;

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

/** A string a slice at a time, a surrogate pair never split between two slices. */
function* stringSlices(text: string): Generator<string> {
  for (let start = 0; start < text.length;) {
    let end = Math.min(text.length, start + SLICE_CHARS);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    yield text.slice(start, end);
    start = end;
  }
}

/** A string as JSON, a slice at a time: never the whole escaped copy in memory at once. */
function* jsonStringPieces(text: string): Generator<string> {
  yield '"';
  // Each slice is escaped as the whole string would be: no pair is split.
  for (const slice of stringSlices(text)) yield JSON.stringify(slice).slice(1, -1);
  yield '"';
}

/** Elements of a long array serialised at a time: a few milliseconds of the event loop. */
const ARRAY_SLICE = 2_000;

/** An array as JSON, a slice of its elements at a time: 620,000 utterances are not one 240 ms stringify. */
function* jsonArrayPieces(items: readonly unknown[]): Generator<string> {
  yield "[";
  for (let start = 0; start < items.length; start += ARRAY_SLICE) {
    // `JSON.stringify` of the slice writes each element as it would in the whole array (`null` for undefined).
    const elements = JSON.stringify(items.slice(start, start + ARRAY_SLICE)).slice(1, -1);
    yield start === 0 ? elements : `,${elements}`;
  }
  yield "]";
}

function* objectPieces(value: Record<string, unknown>): Generator<string> {
  let first = true;
  yield "{";
  for (const [key, field] of Object.entries(value)) {
    if (field === undefined) continue;
    yield `${first ? "" : ","}${JSON.stringify(key)}:`;
    first = false;
    if (typeof field === "string" && field.length > SLICE_CHARS) yield* jsonStringPieces(field);
    else if (Array.isArray(field) && field.length > ARRAY_SLICE) yield* jsonArrayPieces(field);
    else yield JSON.stringify(field);
  }
  yield "}";
}

/**
 * An object as a JSON byte stream, the same text `JSON.stringify` gives, with long strings (transcripts)
 * escaped and encoded a slice at a time as the client reads: an answer with two 16 MiB transcripts does
 * not hold a 32 MiB JSON string and its 32 MiB of bytes on top of the transcripts themselves.
 */
export function jsonStream(value: Record<string, unknown>): ReadableStream<Uint8Array> {
  const pieces = objectPieces(value);
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
