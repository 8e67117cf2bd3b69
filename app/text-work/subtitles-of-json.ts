import { readFile } from "node:fs/promises";
import * as v from "valibot";
import { TRANSCRIPT_SOURCES, Utterance, Word } from "../domain/transcript.js";
import { TranscriptLanguage } from "../domain/transcription-options.js";
import { cuesOf, type SubtitleLayout } from "../subtitles/subtitle-cues.js";
import { writeSubtitles, type SubtitleFormat } from "../subtitles/subtitle-files.js";
import type { FileSource } from "./file-source.js";

/**
 * The part of a transcript answer (of `POST /batch/process` or a completed job) that subtitles are made
 * from; the rest of the answer is ignored, so an answer can be sent back as it came.
 */
const TimedTranscriptJson = v.object({
  source: v.picklist(TRANSCRIPT_SOURCES),
  words: v.optional(v.array(Word)),
  utterances: v.optional(v.array(Utterance)),
  language: v.optional(v.nullable(TranscriptLanguage), null),
});

export type SubtitlesOfJson =
  | { ok: true; text: string }
  | { ok: false; reason: "json" }
  | { ok: false; reason: "timings" }
  | { ok: false; reason: "shape"; field: string };

/** Subtitles of a transcript sent as JSON: parsed, checked and written here, off the event loop. */
export async function subtitlesOfJson({
  source,
  format,
  layout,
}: {
  source: FileSource;
  format: SubtitleFormat;
  layout: SubtitleLayout;
}): Promise<SubtitlesOfJson> {
  let json: unknown;
  try {
    const bytes = "contents" in source ? source.contents : await readFile(source.path);
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof TypeError) return { ok: false, reason: "json" };
    throw error;
  }
  // valibot takes an array for an object missing its fields: the body itself is what is wrong.
  if (Array.isArray(json)) return { ok: false, reason: "shape", field: "(body)" };
  const parsed = v.safeParse(TimedTranscriptJson, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    return { ok: false, reason: "shape", field: v.getDotPath(issue) ?? "(body)" };
  }
  const { language, ...timed } = parsed.output;
  const cues = cuesOf({ ...timed, language: language?.code ?? null }, layout);
  return cues.length === 0 ? { ok: false, reason: "timings" } : { ok: true, text: writeSubtitles(cues, format) };
}
