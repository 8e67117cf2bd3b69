import { MAX_MEDIA_TIME_S } from "../domain/transcript.js";
import { createTextBuilder } from "../text/text-builder.js";
import {
  cuesOf,
  inStartOrder,
  speakerName,
  type Cue,
  type SpeakerNaming,
  type SubtitleLayout,
  type TimedTranscript,
} from "./subtitle-cues.js";

/** The subtitle formats the service writes, and their media types. */
export const SUBTITLE_FORMATS = ["vtt", "srt"] as const;
export type SubtitleFormat = (typeof SUBTITLE_FORMATS)[number];
export const SUBTITLE_MEDIA_TYPES: Record<SubtitleFormat, string> = {
  vtt: "text/vtt",
  srt: "application/x-subrip",
};
const NAMING_OF: Record<SubtitleFormat, SpeakerNaming> = { vtt: "voice", srt: "in-text" };

/** Text that cannot break WebVTT's structure: `&`, `<` and `>` as entities (so `-->` cannot appear). */
const escapeVtt = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/**
 * A voice name as a `<v …>` tag holds it: no tag or entity characters, and no dash before the tag's `>` (a
 * line holding `-->` reads as a timing line). Trimmed by a loop: `/-+$/` backtracks on a long run of dashes.
 */
function voiceName(name: string): string {
  const bare = name.replace(/[<>&]/g, "");
  let end = bare.length;
  while (end > 0 && (bare[end - 1] === "-" || bare[end - 1] === " ")) end--;
  return bare.slice(0, end).trim();
}

/**
 * SRT has no escaping: the one sequence that would read as a timing line, `-->`, is written as an arrow with
 * one dash, whatever run of dashes came before the `>` (replacing `-->` alone would leave `--->` as `-->`).
 */
function safeSrt(text: string): string {
  if (!text.includes("-->")) return text;
  const pieces = text.split(">");
  for (let i = 0; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    let end = piece.length;
    while (end > 0 && piece.charCodeAt(end - 1) === 0x2d /* - */) end--;
    if (piece.length - end > 1) pieces[i] = piece.slice(0, end + 1);
  }
  return pieces.join(">");
}

/** A time in whole milliseconds, within 0 and `MAX_MEDIA_TIME_S` (a time sent back in an answer may be anything). */
function millisecondsOf(seconds: number): number {
  return seconds > 0 ? Math.min(Math.round(seconds * 1000), MAX_MEDIA_TIME_S * 1000) : 0;
}

/**
 * A time as both formats write it, `HH:MM:SS.mmm` (SRT: a comma before the milliseconds), the hours not
 * wrapping at 24 (a recording can be longer than a day; `@deepgram/captions` wraps there).
 */
function timestamp(ms: number, format: SubtitleFormat): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const clock = `${two(Math.floor(ms / 3_600_000))}:${two(Math.floor(ms / 60_000) % 60)}:${two(Math.floor(ms / 1000) % 60)}`;
  return `${clock}${format === "vtt" ? "." : ","}${String(ms % 1000).padStart(3, "0")}`;
}

/** Each cue's text as its format has it: VTT's escaped, with its voice tag; SRT's made safe (its lines name the speaker). */
function* cueTexts(cues: readonly Cue[], format: SubtitleFormat): Generator<string> {
  for (const cue of cues) {
    if (format === "srt") {
      yield cue.lines.map(safeSrt).join("\n");
      continue;
    }
    const body = cue.lines.map(escapeVtt).join("\n");
    const voice = voiceName(speakerName(cue.speaker));
    yield voice === "" ? body : `<v ${voice}>${body}`;
  }
}

/** A subtitle file of the cues, a cue at a time: the WebVTT header or SRT's numbering, each timing, each text. */
function* subtitlePieces(cues: readonly Cue[], format: SubtitleFormat): Generator<string> {
  if (format === "vtt") yield "WEBVTT\n\n";
  let index = 0;
  for (const text of cueTexts(cues, format)) {
    const cue = cues[index]!;
    index += 1;
    // A cue must end after it starts: one with no length of its own (a word the provider timed as an
    // instant) is given a millisecond.
    const start = millisecondsOf(cue.start);
    const timing = `${timestamp(start, format)} --> ${timestamp(Math.max(millisecondsOf(cue.end), start + 1), format)}`;
    yield `${index > 1 ? "\n" : ""}${format === "srt" ? `${index}\n` : ""}${timing}\n${text}\n`;
  }
}

/** A transcript's subtitles in a format: its cues cut for the format's way of naming speakers, and written. */
export function subtitlesOf(transcript: TimedTranscript, layout: SubtitleLayout, format: SubtitleFormat): string {
  return writeSubtitles(cuesOf(transcript, layout, NAMING_OF[format]), format);
}

/** A subtitle file of the cues (with none, WebVTT's header alone, or an empty SRT file). Built flat, not appended (see `createTextBuilder`). */
export function writeSubtitles(cues: readonly Cue[], format: SubtitleFormat): string {
  const file = createTextBuilder();
  for (const piece of subtitlePieces(inStartOrder(cues), format)) file.append(piece);
  return file.toString();
}
