import { splitSpeakerLabel } from "./speaker-label.js";

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

/**
 * Splits a transcript into chunks whose speech fits `maxChars` (one line per segment). A chunk holds whole
 * utterances (lines) where they fit; only a line longer than a chunk is cut, at sentence ends, or between
 * words for a sentence longer than a chunk. Labels stay out of the chunks, so no model can lose or invent one.
 */
export function splitIntoChunks(transcript: string, maxChars: number): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Chunk = { segments: [] };
  let used = 0;
  for (const line of transcriptLines(transcript)) {
    // This line's segment in the current chunk, which later pieces of the line join with a space.
    let open: Segment | undefined;
    piecesOf(line.speech, maxChars).forEach((piece, index) => {
      if (current.segments.length > 0 && used + 1 + piece.length > maxChars) {
        chunks.push(current);
        current = { segments: [] };
        used = 0;
        open = undefined;
      }
      used += current.segments.length > 0 ? piece.length + 1 : piece.length;
      if (open !== undefined) {
        open.speech += ` ${piece}`;
        return;
      }
      open = { label: index === 0 ? line.label : null, speech: piece, continues: index > 0 };
      current.segments.push(open);
    });
  }
  if (current.segments.length > 0) chunks.push(current);
  return chunks;
}

/** What a chunk sends to the model: each segment's speech on its own line. */
export function chunkText(chunk: Chunk): string {
  return chunk.segments.map((segment) => segment.speech).join("\n");
}

/**
 * Rebuilds the transcript from segments whose speech was cleaned: labels re-attached, continued lines joined
 * with a space, lines left with no speech dropped (as the rules cleaner drops them).
 */
export function joinSegments(segments: readonly Segment[]): string {
  const lines: Array<{ label: string | null; parts: string[] }> = [];
  for (const segment of segments) {
    const open = lines.at(-1);
    if (!segment.continues || open === undefined) lines.push({ label: segment.label, parts: [] });
    const speech = segment.speech.trim();
    if (speech !== "") lines.at(-1)!.parts.push(speech);
  }
  return lines
    .filter((line) => line.parts.length > 0)
    .map((line) => (line.label === null ? "" : `${line.label}: `) + line.parts.join(" "))
    .join("\n");
}

function transcriptLines(transcript: string): Array<{ label: string | null; speech: string }> {
  return transcript
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const labelled = splitSpeakerLabel(line);
      return labelled === undefined
        ? { label: null, speech: normaliseSpaces(line) }
        : { label: labelled.label, speech: normaliseSpaces(labelled.speech) };
    })
    .filter((line) => line.speech !== "");
}

function normaliseSpaces(text: string): string {
  return text.trim().replace(/\s+/g, " ");
}

/** A line's speech as pieces of at most `maxChars`: whole when it fits, else sentences, else words. */
function piecesOf(speech: string, maxChars: number): string[] {
  if (speech.length <= maxChars) return [speech];
  const pieces: string[] = [];
  let current = "";
  const add = (unit: string) => {
    if (current !== "" && current.length + 1 + unit.length > maxChars) {
      pieces.push(current);
      current = "";
    }
    current = current === "" ? unit : `${current} ${unit}`;
  };
  for (const sentence of speech.split(/(?<=[.!?]) /)) {
    if (sentence.length <= maxChars) add(sentence);
    else for (const word of sentence.split(" ")) add(word);
  }
  if (current !== "") pieces.push(current);
  return pieces;
}
