import { createPacer, yieldToLoop, type Pause } from "../text/loop-pause.js";
import { collapseSpaces, createLineJoiner, isWhitespace } from "../text/text-builder.js";
import { splitSpeakerLabel, type KnownSpeakers } from "./speaker-label.js";

/** Part of one transcript line: its speech (without the label), and whether it carries on the line before. */
export interface Segment {
  /** The line's speaker label; only on the segment that starts the line. */
  label: string | null;
  speech: string;
  /** True when this segment continues a line a previous segment started (a line too long for one chunk). */
  continues: boolean;
}

/** What one model call sees: its segments' speech, one per line, never a label. */
export interface Chunk {
  segments: Segment[];
}

/** Work between two pauses, in characters walked (a line or a segment counts for its overhead too): a few milliseconds. */
const SLICE_CHARS = 256 * 1024;
const PER_ITEM_CHARS = 32;

/**
 * Splits a transcript into chunks whose speech fits `maxChars` (one line per segment), a line's label read
 * as `speakers` say (any name-shaped one when they are not known). A chunk holds whole
 * utterances (lines) where they fit; only a line longer than a chunk is cut, at sentence ends, or between
 * words for a sentence longer than a chunk. Labels stay out of the chunks, so no model can lose or invent one.
 * It walks the text a line and a word at a time and pauses every few milliseconds, so a transcript of millions
 * of lines, or one line of millions of words, does not hold the event loop (16 MiB of one-letter lines took it
 * 9 s in one go).
 */
export async function splitIntoChunks(
  transcript: string,
  maxChars: number,
  { pause = yieldToLoop, speakers }: { pause?: Pause; speakers?: KnownSpeakers | undefined } = {},
): Promise<Chunk[]> {
  const pacer = createPacer(SLICE_CHARS);
  const chunks: Chunk[] = [];
  let current: Chunk = { segments: [] };
  let used = 0;
  for (let start = 0; start <= transcript.length;) {
    const newline = transcript.indexOf("\n", start);
    const end = newline === -1 ? transcript.length : newline;
    const line = transcript.slice(start, end).trim();
    start = end + 1;
    if (pacer.due(PER_ITEM_CHARS)) await pause();
    if (line === "") continue;
    const labelled = splitSpeakerLabel(line, speakers);
    // This line's segment in the current chunk, which later pieces of the line join with a space.
    let open: Segment | undefined;
    let index = 0;
    const speech = labelled?.speech ?? line;
    // A line that fits is one piece (most lines): no walk over its words.
    const pieces = speech.length <= maxChars ? [collapseSpaces(speech)] : piecesOf(speech, maxChars);
    for (const piece of pieces) {
      if (piece === "") continue;
      if (pacer.due(PER_ITEM_CHARS + piece.length)) await pause();
      if (current.segments.length > 0 && used + 1 + piece.length > maxChars) {
        chunks.push(current);
        current = { segments: [] };
        used = 0;
        open = undefined;
      }
      used += current.segments.length > 0 ? piece.length + 1 : piece.length;
      if (open !== undefined) open.speech += ` ${piece}`;
      else {
        open = { label: index === 0 ? (labelled?.label ?? null) : null, speech: piece, continues: index > 0 };
        current.segments.push(open);
      }
      index++;
    }
  }
  if (current.segments.length > 0) chunks.push(current);
  return chunks;
}

/** What a chunk sends to the model: each segment's speech on its own line. */
export function chunkText(chunk: Chunk): string {
  return chunk.segments.map((segment) => segment.speech).join("\n");
}

/**
 * Rebuilds the transcript from chunks whose speech was cleaned, in order: labels re-attached, continued lines
 * joined with a space, lines left with no speech dropped (as the rules cleaner drops them). Pauses as the split does.
 */
export async function joinSegments(
  chunks: readonly { segments: readonly Segment[] }[],
  pause: Pause = yieldToLoop,
): Promise<string> {
  const out = createLineJoiner();
  let line: { label: string | null; parts: string[] } | undefined;
  const close = () => {
    if (line !== undefined && line.parts.length > 0)
      out.add((line.label === null ? "" : `${line.label}: `) + line.parts.join(" "));
  };
  const pacer = createPacer(SLICE_CHARS);
  for (const { segments } of chunks) {
    for (const segment of segments) {
      if (pacer.due(PER_ITEM_CHARS + segment.speech.length)) await pause();
      if (!segment.continues || line === undefined) {
        close();
        line = { label: segment.label, parts: [] };
      }
      const speech = segment.speech.trim();
      if (speech !== "") line.parts.push(speech);
    }
  }
  close();
  return out.text();
}

/**
 * A line's speech, whitespace collapsed, as pieces of at most `maxChars`: whole when it fits, else sentences,
 * else words (a word longer than that is a piece of its own). Yields each piece as soon as it is known, having
 * looked at no more of the line than that piece and the sentence it is in (at most `maxChars` of it held).
 */
function* piecesOf(speech: string, maxChars: number): Generator<string> {
  const ready: string[] = [];
  let piece: string[] = [];
  let pieceChars = 0;
  const add = (unit: string) => {
    if (piece.length > 0 && pieceChars + 1 + unit.length > maxChars) {
      ready.push(piece.join(" "));
      piece = [];
      pieceChars = 0;
    }
    pieceChars += piece.length > 0 ? unit.length + 1 : unit.length;
    piece.push(unit);
  };
  // The sentence so far, while it may still fit a piece; past that, its words go one by one.
  let sentence: string[] = [];
  let sentenceChars = 0;
  let byWords = false;
  for (const word of wordsOf(speech)) {
    if (byWords) add(word);
    else {
      sentenceChars += sentence.length > 0 ? word.length + 1 : word.length;
      sentence.push(word);
      if (sentenceChars > maxChars) {
        byWords = true;
        sentence.forEach(add);
        sentence = [];
      }
    }
    if (SENTENCE_ENDS.has(word.charCodeAt(word.length - 1))) {
      if (!byWords) add(sentence.join(" "));
      sentence = [];
      sentenceChars = 0;
      byWords = false;
    }
    yield* ready.splice(0);
  }
  if (sentence.length > 0) add(sentence.join(" "));
  if (piece.length > 0) ready.push(piece.join(" "));
  yield* ready;
}

/** `.`, `!` and `?`: a word ending in one ends its sentence. */
const SENTENCE_ENDS = new Set([0x2e, 0x21, 0x3f]);

/** The runs of non-whitespace in `text`, in order (what `text.split(/\s+/)` keeps, without the empty ends). */
function* wordsOf(text: string): Generator<string> {
  let position = 0;
  while (position < text.length) {
    while (position < text.length && isWhitespace(text.charCodeAt(position))) position++;
    const start = position;
    while (position < text.length && !isWhitespace(text.charCodeAt(position))) position++;
    if (position > start) yield text.slice(start, position);
  }
}
