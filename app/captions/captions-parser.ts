import { collapseSpaces, createLineJoiner, createTextBuilder, isDigit } from "../text/text-builder.js";
import type { CaptionsFormat } from "../upload/input-detection.js";
import { MAX_MEDIA_TIME_S, type Utterance } from "../domain/transcript.js";

export interface ParsedCaptions {
  /** Cue text only, one cue per line; speakers from WebVTT voice tags kept as `Speaker: text`. */
  transcript: string;
  /** End of the last cue, when the format has timings. */
  durationS: number | null;
  /** One per cue with text, when the format has timings: who (a WebVTT voice), when, and what. */
  utterances: Utterance[] | null;
}

const ENTITIES: ReadonlyArray<readonly [string, string]> = [
  ["&amp;", "&"],
  ["&lt;", "<"],
  ["&gt;", ">"],
  ["&nbsp;", " "],
  ["&lrm;", ""],
  ["&rlm;", ""],
  ["&quot;", '"'],
  ["&apos;", "'"],
];

/**
 * Reads WebVTT, SRT or plain text into a transcript. Every step is a forward scan that visits each character
 * a bounded number of times, so the time is linear in the input whatever it holds (captions are untrusted).
 */
export function parseCaptions(text: string, format: CaptionsFormat): ParsedCaptions {
  const lines = linesOf(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  // The transcript is built line by line rather than from an array of every line: memory in proportion to
  // the text, not to how many lines it has.
  const transcript = createLineJoiner();
  if (format === "text") {
    for (const line of lines) transcript.add(collapseSpaces(line));
    return { transcript: transcript.text(), durationS: null, utterances: null };
  }
  const utterances: Utterance[] = [];
  let durationS: number | null = null;
  let block: string[] = [];
  const endBlock = () => {
    const timingIndex = block.findIndex((line) => parseTiming(line) !== undefined);
    // Blocks without a timing line are the WebVTT header, NOTE, STYLE and REGION blocks.
    if (timingIndex !== -1) {
      const timing = parseTiming(block[timingIndex]!)!;
      durationS = Math.max(durationS ?? 0, timing.endS);
      const cue = cueText(block.slice(timingIndex + 1), format);
      if (cue.text !== "") {
        transcript.add(cue.speaker === undefined ? cue.text : `${cue.speaker}: ${cue.text}`);
        utterances.push({ speaker: cue.speaker ?? null, start: timing.startS, end: timing.endS, text: cue.text });
      }
    }
    block = [];
  };
  for (const line of lines) {
    if (line.trim() === "") endBlock();
    else block.push(line);
  }
  endBlock();
  return { transcript: transcript.text(), durationS, utterances };
}

/**
 * Lines split at LF, CRLF or a lone CR. Breaks are found with `indexOf`, not a character loop; the next LF and
 * the next CR are each searched for again only once passed, so the text is scanned once for each (a file
 * without CRs is searched for one once), and the time stays linear whatever the mix.
 */
function* linesOf(text: string): Generator<string> {
  let start = 0;
  let nextLf = text.indexOf("\n");
  let nextCr = text.indexOf("\r");
  while (start < text.length) {
    if (nextLf !== -1 && nextLf < start) nextLf = text.indexOf("\n", start);
    if (nextCr !== -1 && nextCr < start) nextCr = text.indexOf("\r", start);
    const end = nextCr === -1 ? nextLf : nextLf === -1 ? nextCr : Math.min(nextLf, nextCr);
    if (end === -1) break;
    yield text.slice(start, end);
    start = end === nextCr && nextLf === end + 1 ? end + 2 : end + 1;
  }
  if (start < text.length) yield text.slice(start);
}

const isBlank = (code: number) => code === 0x20 || code === 0x09;

/** Reads a run of digits at `at`, returning its value and where it ends. */
function digitsAt(line: string, at: number): { value: number; end: number } {
  let end = at;
  let value = 0;
  while (end < line.length && isDigit(line.charCodeAt(end))) {
    value = value * 10 + line.charCodeAt(end) - 0x30;
    end++;
  }
  return { value, end };
}

/**
 * `[h+:]mm:ss.fff` (or `,fff`) at `at`: its value in seconds and where it ends, or undefined. Minutes and
 * seconds past 59 are not a time (WebVTT's rule), nor is a time past `MAX_MEDIA_TIME_S`.
 */
function timestampAt(line: string, at: number): { seconds: number; end: number } | undefined {
  const groups: Array<{ value: number; length: number }> = [];
  let position = at;
  for (;;) {
    const { value, end } = digitsAt(line, position);
    if (end === position) return undefined;
    groups.push({ value, length: end - position });
    position = end;
    const separator = line[position];
    if (separator === ":" && groups.length < 3) {
      position++;
      continue;
    }
    if (separator !== "." && separator !== ",") return undefined;
    break;
  }
  if (groups.length < 2) return undefined;
  const seconds = groups.at(-1)!;
  const minutes = groups.at(-2)!;
  if (seconds.length !== 2 || minutes.length > 2 || seconds.value > 59 || minutes.value > 59) return undefined;
  const fraction = digitsAt(line, position + 1);
  const fractionLength = fraction.end - position - 1;
  if (fractionLength < 1 || fractionLength > 3) return undefined;
  const hours = groups.length === 3 ? groups[0]!.value : 0;
  const value = hours * 3600 + minutes.value * 60 + seconds.value + fraction.value / 10 ** fractionLength;
  return value > MAX_MEDIA_TIME_S ? undefined : { seconds: value, end: fraction.end };
}

/**
 * A cue timing line, `start --> end` (settings may follow): both in seconds, or undefined. An end before the
 * start is read as the start: the cue's text is kept, and no utterance ends before it begins.
 */
export function parseTiming(line: string): { startS: number; endS: number } | undefined {
  let position = 0;
  while (isBlank(line.charCodeAt(position))) position++;
  const start = timestampAt(line, position);
  if (start === undefined) return undefined;
  position = start.end;
  while (isBlank(line.charCodeAt(position))) position++;
  if (!line.startsWith("-->", position)) return undefined;
  position += 3;
  while (isBlank(line.charCodeAt(position))) position++;
  const end = timestampAt(line, position);
  return end === undefined ? undefined : { startS: start.seconds, endS: Math.max(start.seconds, end.seconds) };
}

function cueText(payload: string[], format: CaptionsFormat): { speaker: string | undefined; text: string } {
  let speaker: string | undefined;
  const text = payload
    .map((line) => {
      const { text: plain, voice } = stripMarkup(line);
      if (format === "vtt" && speaker === undefined && voice !== undefined) speaker = voice;
      return plain;
    })
    .join(" ");
  return { speaker, text: collapseSpaces(text) };
}

/** The voice of a WebVTT `<v Name>` or `<v.class Name>` tag's inside, or undefined for any other tag. */
function voiceOf(tag: string): string | undefined {
  if (tag.charCodeAt(0) !== 0x76 /* v */) return undefined;
  let position = 1;
  if (tag[position] === ".") while (position < tag.length && !/\s/.test(tag[position]!)) position++;
  if (position >= tag.length || !/\s/.test(tag[position]!)) return undefined;
  const name = tag.slice(position).trim();
  return name === "" ? undefined : name;
}

/** Whether a tag's inside opens WebVTT ruby text: `rt`, or `rt.class`. */
const isRubyText = (tag: string) => tag === "rt" || tag.startsWith("rt.");

/**
 * Removes `<tags>` (and the readings of ruby text) and SSA `{\overrides}` and decodes the common entities, in one pass: each tag's end is
 * found with `indexOf` from where the tag starts, and the scan resumes after it. A tag with no end is text.
 */
function stripMarkup(line: string): { text: string; voice: string | undefined } {
  // Built only once there is markup to take out: most lines have none and are returned as they are.
  let out: ReturnType<typeof createTextBuilder> | undefined;
  let voice: string | undefined;
  let runStart = 0;
  let position = 0;
  // Once a closing character is known to be absent from the rest of the line, it is not searched for again.
  let tagsCanClose = true;
  let overridesCanClose = true;
  // The next `</rt>` and `</ruby>`, searched for again only once passed (-1: none in the rest of the line).
  let nextRubyTextClose = -2;
  let nextRubyClose = -2;
  /**
   * Where a ruby text's annotation (`<rt>kan</rt>`, a reading shown above the text) ends: after its `</rt>`,
   * or at the `</ruby>` that closes it too, whichever comes first; else at the line's end.
   */
  const annotationEnd = (from: number): number => {
    if (nextRubyTextClose !== -1 && nextRubyTextClose < from) nextRubyTextClose = line.indexOf("</rt>", from);
    if (nextRubyClose !== -1 && nextRubyClose < from) nextRubyClose = line.indexOf("</ruby>", from);
    const rubyFirst = nextRubyClose !== -1 && (nextRubyTextClose === -1 || nextRubyClose < nextRubyTextClose);
    if (rubyFirst) return nextRubyClose;
    return nextRubyTextClose === -1 ? line.length : nextRubyTextClose + "</rt>".length;
  };

  while (position < line.length) {
    const code = line.charCodeAt(position);
    let skipTo = -1;
    let replacement = "";
    if (code === 0x3c /* < */ && tagsCanClose) {
      const close = line.indexOf(">", position + 1);
      tagsCanClose = close !== -1;
      if (tagsCanClose) {
        const tag = line.slice(position + 1, close);
        voice ??= voiceOf(tag);
        skipTo = isRubyText(tag) ? annotationEnd(close + 1) : close + 1;
      }
    } else if (code === 0x7b /* { */ && overridesCanClose && line.charCodeAt(position + 1) === 0x5c /* \ */) {
      const close = line.indexOf("}", position + 2);
      overridesCanClose = close !== -1;
      if (overridesCanClose) skipTo = close + 1;
    } else if (code === 0x26 /* & */) {
      const entity = ENTITIES.find(([name]) => line.startsWith(name, position));
      if (entity !== undefined) {
        skipTo = position + entity[0].length;
        replacement = entity[1];
      }
    }
    if (skipTo === -1) {
      position++;
      continue;
    }
    out ??= createTextBuilder();
    out.append(line.slice(runStart, position));
    out.append(replacement);
    position = skipTo;
    runStart = skipTo;
  }
  if (out === undefined) return { text: line, voice };
  out.append(line.slice(runStart));
  return { text: out.toString(), voice };
}
