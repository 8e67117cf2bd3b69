import { createPacer, yieldToLoop } from "./loop-pause.js";
import { createTextBuilder } from "./text-builder.js";

/** Characters of a long string escaped and encoded at a time. */
const SLICE_CHARS = 64 * 1024;

/** A string a slice at a time, a surrogate pair never split between two slices. */
export function* stringSlices(text: string): Generator<string> {
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

/**
 * An object as JSON text in pieces, the same text `JSON.stringify` gives: long strings (transcripts) escaped a
 * slice at a time and long arrays serialised a slice of elements at a time, so no piece is a long stretch of
 * work or memory. Its nested objects are written whole.
 */
export function* jsonPieces(value: Record<string, unknown>): Generator<string> {
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

/** Characters of JSON written between two pauses of the event loop: a few milliseconds of work. */
const TEXT_SLICE_CHARS = 1024 * 1024;

/** An object's JSON as one string, written a piece at a time with the event loop let run between. */
export async function jsonText(value: Record<string, unknown>): Promise<string> {
  const pacer = createPacer(TEXT_SLICE_CHARS);
  const text = createTextBuilder();
  for (const piece of jsonPieces(value)) {
    text.append(piece);
    if (pacer.due(piece.length)) await yieldToLoop();
  }
  return text.toString();
}
