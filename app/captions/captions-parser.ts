import { collapseSpaces, createLineJoiner, isDigit } from "../text/text-builder.js";
import { stripMarkup } from "./cue-markup.js";
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
  // The lines after the current cue's timing line; blocks without one (the WebVTT header, NOTE, STYLE and
  // REGION blocks, a cue whose timing is not a time) give nothing.
  let timing: Timing | undefined;
  let payload: string[] = [];
  const endCue = () => {
    if (timing !== undefined) {
      durationS = Math.max(durationS ?? 0, timing.endS);
      const cue = cueText(payload, format);
      if (cue.text !== "") {
        transcript.add(cue.speaker === undefined ? cue.text : `${cue.speaker}: ${cue.text}`);
        utterances.push({ speaker: cue.speaker ?? null, start: timing.startS, end: timing.endS, text: cue.text });
      }
    }
    timing = undefined;
    payload = [];
  };
  for (const line of lines) {
    if (line.trim() === "") {
      endCue();
      continue;
    }
    const lineTiming = parseTiming(line);
    if (lineTiming === undefined) {
      payload.push(line);
      continue;
    }
    // A timing line ends the cue before it even without a blank line (WebVTT's rule); in SRT the number
    // line just above it is the new cue's index. Lines before a block's first timing line are its cue id.
    if (timing !== undefined && format === "srt" && isIndexLine(payload.at(-1))) payload.pop();
    endCue();
    timing = lineTiming;
  }
  endCue();
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

interface Timing {
  startS: number;
  endS: number;
}

/** An SRT cue's index line: digits alone, blanks around them. */
function isIndexLine(line: string | undefined): boolean {
  if (line === undefined) return false;
  const digits = line.trim();
  return digits !== "" && digitsAt(digits, 0).end === digits.length;
}

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
export function parseTiming(line: string): Timing | undefined {
  let position = 0;
  while (isBlank(line.charCodeAt(position))) position++;
  // Most lines are cue text: they are told apart at their first character.
  if (!isDigit(line.charCodeAt(position))) return undefined;
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
