import { srt, webvtt, type IConverter } from "@deepgram/captions";
import type { Cue } from "./subtitle-cues.js";

/** The subtitle formats the service writes, and their media types. */
export const SUBTITLE_FORMATS = ["vtt", "srt"] as const;
export type SubtitleFormat = (typeof SUBTITLE_FORMATS)[number];
export const SUBTITLE_MEDIA_TYPES: Record<SubtitleFormat, string> = {
  vtt: "text/vtt",
  srt: "application/x-subrip",
};

/** Text that cannot break WebVTT's structure: `&`, `<` and `>` as entities (so `-->` cannot appear). */
const escapeVtt = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

/** A voice name as a `<v …>` tag holds it: no tag or entity characters. */
const voiceName = (speaker: string) => speaker.replace(/[<>&]/g, "").trim();

/** SRT has no escaping: the one sequence that would read as a timing line is written as an arrow without the dash. */
const safeSrt = (text: string) => text.replaceAll("-->", "->");

/**
 * Cues as a converter for `@deepgram/captions`: each cue is one "line" of one word whose text is the cue's,
 * already wrapped and marked up, so the library writes the file (header, numbering, timestamps) and the cues
 * are ours (speakers, line length, lines per cue).
 */
function cueConverter(cues: readonly Cue[], format: SubtitleFormat): IConverter {
  let previousSpeaker: string | null = null;
  const lines = cues.map((cue) => {
    let text: string;
    if (format === "vtt") {
      const body = cue.lines.map(escapeVtt).join("\n");
      const voice = cue.speaker === null ? "" : voiceName(cue.speaker);
      text = voice === "" ? body : `<v ${voice}>${body}`;
    } else {
      const body = cue.lines.map(safeSrt).join("\n");
      // As a captioner writes it: the speaker's name where the speaker changes.
      text = cue.speaker !== null && cue.speaker !== previousSpeaker ? `${safeSrt(cue.speaker)}: ${body}` : body;
    }
    previousSpeaker = cue.speaker;
    return [{ word: text, punctuated_word: text, start: cue.start, end: Math.max(cue.end, cue.start) }];
  });
  return { transcriptionData: cues, getLines: () => lines };
}

/** A subtitle file of the cues; there must be at least one. */
export function writeSubtitles(cues: readonly Cue[], format: SubtitleFormat): string {
  const converter = cueConverter(cues, format);
  return format === "vtt" ? webvtt(converter, 1) : srt(converter, 1);
}
