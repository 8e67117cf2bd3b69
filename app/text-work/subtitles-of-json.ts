import { readFile } from "node:fs/promises";
import * as v from "valibot";
import { hasTimings, MediaTime, TRANSCRIPT_SOURCES, Utterance, Word } from "../domain/transcript.js";
import { TranscriptLanguage } from "../domain/transcription-options.js";
import type { SubtitleLayout, TimedTranscript } from "../subtitles/subtitle-cues.js";
import { subtitlesOf, type SubtitleFormat } from "../subtitles/subtitle-files.js";
import type { FileSource } from "./file-source.js";

/**
 * The part of a transcript answer (of `POST /batch/process` or a completed job) that subtitles are made
 * from; the rest of the answer is ignored, so an answer can be sent back as it came. Its lists are checked an
 * item at a time (`LIST_ITEMS`) and kept as they came: valibot's output is a copy, and of a long recording's
 * words that copy was as large as the parsed body again.
 */
const TimedTranscriptJson = v.object({
  source: v.picklist(TRANSCRIPT_SOURCES),
  words: v.optional(v.array(v.unknown())),
  utterances: v.optional(v.array(v.unknown())),
  language: v.optional(v.nullable(TranscriptLanguage), null),
});
// Times are checked as a provider's are (a JSON `1e400` reads as `Infinity`, which JSON writes back as `null`).
const LIST_ITEMS = {
  words: v.object({ ...Word.entries, start: MediaTime, end: MediaTime }),
  utterances: v.object({ ...Utterance.entries, start: MediaTime, end: MediaTime }),
} as const;
/** The answer's fields in the order a refusal names the first that is wrong. */
const FIELDS = ["source", "words", "utterances", "language"] as const;

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
  const read = readTimedTranscript("contents" in source ? source.contents : await readFile(source.path));
  if (!read.ok) return read;
  if (!hasTimings(read.transcript)) return { ok: false, reason: "timings" };
  return { ok: true, text: subtitlesOf(read.transcript, layout, format) };
}

/** The timed parts of a transcript answer. Its own function so that the parsed body is garbage once they are out. */
function readTimedTranscript(
  bytes: Uint8Array,
): { ok: true; transcript: TimedTranscript } | Exclude<SubtitlesOfJson, { ok: true }> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof TypeError) return { ok: false, reason: "json" };
    throw error;
  }
  // valibot takes an array for an object missing its fields: the body itself is what is wrong.
  if (Array.isArray(json)) return { ok: false, reason: "shape", field: "(body)" };
  const parsed = v.safeParse(TimedTranscriptJson, json);
  const wrong = firstWrongField(parsed.issues ?? [], json as Record<string, unknown>);
  if (!parsed.success || wrong !== undefined) return { ok: false, reason: "shape", field: wrong ?? "(body)" };
  const { language, words, utterances, ...rest } = parsed.output;
  return {
    ok: true,
    transcript: {
      ...rest,
      language: language?.code ?? null,
      // Checked item by item in `firstWrongField`.
      ...(words !== undefined && { words: words as Word[] }),
      ...(utterances !== undefined && { utterances: utterances as Utterance[] }),
    },
  };
}

/** The dot path of the first field, in `FIELDS` order, that is not what an answer holds. */
function firstWrongField(issues: readonly v.BaseIssue<unknown>[], json: Record<string, unknown>): string | undefined {
  // Not an object at all.
  if (issues.some((issue) => issue.path === undefined)) return "(body)";
  for (const field of FIELDS) {
    const issue = issues.find((candidate) => candidate.path?.[0]?.key === field);
    if (issue !== undefined) return v.getDotPath(issue) ?? field;
    if (field !== "words" && field !== "utterances") continue;
    const items = json[field];
    if (!Array.isArray(items)) continue;
    for (let index = 0; index < items.length; index += 1) {
      const checked = v.safeParse(LIST_ITEMS[field], items[index]);
      if (!checked.success)
        return [field, index, v.getDotPath(checked.issues[0])].filter((key) => key !== null).join(".");
    }
  }
  return undefined;
}
