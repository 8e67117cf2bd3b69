import { readFile } from "node:fs/promises";
import type { FileSource } from "./file-source.js";
import { parseCaptions, type ParsedCaptions } from "../captions/captions-parser.js";
import { cleanWithRules } from "../cleaning/rules-cleaner.js";
import type { CaptionsFormat, TextEncoding } from "../upload/input-detection.js";
import { cuesOf, type SubtitleLayout, type TimedTranscript } from "../subtitles/subtitle-cues.js";
import { writeSubtitles, type SubtitleFormat } from "../subtitles/subtitle-files.js";

export type CaptionsImport = { ok: true; captions: ParsedCaptions } | { ok: false; reason: "encoding" };

/** Reads a captions file, decodes it strictly and parses it: a decoding failure is a result, not a throw. */
export async function importCaptions({
  source,
  format,
  encoding,
}: {
  source: FileSource;
  format: CaptionsFormat;
  encoding: TextEncoding;
}): Promise<CaptionsImport> {
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(
      "contents" in source ? source.contents : await readFile(source.path),
    );
  } catch (error) {
    if (error instanceof TypeError) return { ok: false, reason: "encoding" };
    throw error;
  }
  return { ok: true, captions: parseCaptions(text, format) };
}

export function cleanTranscript({ text, language }: { text: string; language: string | null }): string {
  return cleanWithRules(text, language);
}

/** Subtitles of a transcript, or `ok: false` when it has no timings to make a cue from. */
export type SubtitlesRender = { ok: true; text: string } | { ok: false };

export interface SubtitlesTask {
  transcript: TimedTranscript;
  format: SubtitleFormat;
  layout: SubtitleLayout;
}

export function renderSubtitles({ transcript, format, layout }: SubtitlesTask): SubtitlesRender {
  const cues = cuesOf(transcript, layout);
  return cues.length === 0 ? { ok: false } : { ok: true, text: writeSubtitles(cues, format) };
}

export { subtitlesOfJson } from "./subtitles-of-json.js";
