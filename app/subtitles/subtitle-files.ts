import { MAX_MEDIA_TIME_S } from "../domain/transcript.js";
import { createTextBuilder } from "../text/text-builder.js";
import { inStartOrder, type Cue } from "./subtitle-cues.js";

/** The subtitle formats the service writes, and their media types. */
export const SUBTITLE_FORMATS = ["vtt", "srt"] as const;
export type SubtitleFormat = (typeof SUBTITLE_FORMATS)[number];
export const SUBTITLE_MEDIA_TYPES: Record<SubtitleFormat, string> = {
  vtt: "text/vtt",
  srt: "application/x-subrip",
};

/** Text that cannot break WebVTT's structure: `&`, `<` and `>` as entities (so `-->` cannot appear). */
const escapeVtt = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/**
 * A speaker's name on one line, its blanks collapsed: a name sent back in an answer may hold line breaks,
 * which would end the cue and could start another.
 */
const speakerName = (speaker: string | null) => (speaker ?? "").replace(/\s+/g, " ").trim();

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

/** Each cue's text, marked up as its format has it: VTT's voice tags, SRT's name where the speaker changes. */
function* cueTexts(cues: readonly Cue[], format: SubtitleFormat): Generator<string> {
  let previousSpeaker = "";
  for (const cue of cues) {
    const speaker = speakerName(cue.speaker);
    if (format === "vtt") {
      const body = cue.lines.map(escapeVtt).join("\n");
      const voice = voiceName(speaker);
      yield voice === "" ? body : `<v ${voice}>${body}`;
    } else {
      const body = cue.lines.map(safeSrt).join("\n");
      // As a captioner writes it: the speaker's name where the speaker changes.
      yield speaker !== "" && speaker !== previousSpeaker ? `${safeSrt(speaker)}: ${body}` : body;
    }
    previousSpeaker = speaker;
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

/** A subtitle file of the cues (with none, WebVTT's header alone, or an empty SRT file). Built flat, not appended (see `createTextBuilder`). */
export function writeSubtitles(cues: readonly Cue[], format: SubtitleFormat): string {
  const file = createTextBuilder();
  for (const piece of subtitlePieces(inStartOrder(cues), format)) file.append(piece);
  return file.toString();
}
