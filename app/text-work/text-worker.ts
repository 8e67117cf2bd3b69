import { readFile } from "node:fs/promises";
import type { FileSource } from "./file-source.js";
import { parseCaptions, type ParsedCaptions } from "../captions/captions-parser.js";
import { cleanWithRules } from "../cleaning/rules-cleaner.js";
import type { RulesTask } from "../cleaning/cleaner-entry.js";
import type { CaptionsFormat, TextEncoding } from "../upload/input-detection.js";
import type { SubtitleLayout, TimedTranscript } from "../subtitles/subtitle-cues.js";
import { hasTimings } from "../domain/transcript.js";
import { subtitlesOf, type SubtitleFormat } from "../subtitles/subtitle-files.js";
import { noPause } from "../text/loop-pause.js";
import { packUtterances, unpackUtterances, type PackedUtterances } from "./packed-utterances.js";
import { parsedJson, readAnswerBody, textOf, type ProviderAnswer } from "../transcription/provider-answer.js";
import type { TranscriptionOptions } from "../domain/transcription-options.js";
import { packTranscription, type PackedTranscription } from "./packed-transcription.js";

export type CaptionsImport = { ok: true; captions: ParsedCaptions } | { ok: false; reason: "encoding" };

/** A captions import as it leaves the worker: its utterances packed. */
export type PackedCaptionsImport =
  | { ok: true; captions: Omit<ParsedCaptions, "utterances"> & { utterances: PackedUtterances | null } }
  | { ok: false; reason: "encoding" };

/** Reads a captions file, decodes it strictly and parses it: a decoding failure is a result, not a throw. */
export async function importCaptions({
  source,
  format,
  encoding,
}: {
  source: FileSource;
  format: CaptionsFormat;
  encoding: TextEncoding;
}): Promise<PackedCaptionsImport> {
  let text: string;
  try {
    text = new TextDecoder(encoding, { fatal: true }).decode(
      "contents" in source ? source.contents : await readFile(source.path),
    );
  } catch (error) {
    if (error instanceof TypeError) return { ok: false, reason: "encoding" };
    throw error;
  }
  const { utterances, ...captions } = parseCaptions(text, format);
  return {
    ok: true,
    captions: { ...captions, utterances: utterances === null ? null : await packUtterances(utterances, noPause) },
  };
}

export function cleanTranscript({ text, language, speakers }: RulesTask): string {
  return cleanWithRules(text, language, speakers);
}

/** Subtitles of a transcript, or `ok: false` when it has no timings to make cues of. */
export type SubtitlesRender = { ok: true; text: string } | { ok: false };

export interface SubtitlesTask {
  transcript: TimedTranscript;
  format: SubtitleFormat;
  layout: SubtitleLayout;
}

/** A subtitles task as it reaches the worker: the transcript's utterances packed. */
export interface PackedSubtitlesTask extends Omit<SubtitlesTask, "transcript"> {
  transcript: Omit<TimedTranscript, "utterances"> & { utterances?: PackedUtterances | undefined };
}

export async function renderSubtitles({ transcript, format, layout }: PackedSubtitlesTask): Promise<SubtitlesRender> {
  const { utterances } = transcript;
  const timed = { ...transcript, utterances: utterances && (await unpackUtterances(utterances, noPause)) };
  return hasTimings(timed) ? { ok: true, text: subtitlesOf(timed, layout, format) } : { ok: false };
}

/**
 * The answer's text, its chunks let go of: the task is the worker's own copy, held by the pool until the task
 * returns, so without this the chunks would be held through the parse and the reading. With `parsedJson`
 * letting go of the text in turn, a 10-hour recording's answer (28 MB) peaks the process 20% lower.
 */
function takeText(answer: ProviderAnswer): string {
  const { chunks } = answer;
  answer.chunks = [];
  return textOf(chunks);
}

/** A provider's answer read into a transcription (undefined: not that provider's shape), packed to cross back. */
export async function readAnswer(task: {
  answer: ProviderAnswer;
  asked: TranscriptionOptions;
}): Promise<PackedTranscription | undefined> {
  const transcription = readAnswerBody(task.answer.provider, parsedJson(takeText(task.answer)), task.asked);
  return transcription && (await packTranscription(transcription, noPause));
}

export { subtitlesOfJson } from "./subtitles-of-json.js";
