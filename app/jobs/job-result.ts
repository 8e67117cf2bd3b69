import * as v from "valibot";
import { CLEANED_BY } from "../domain/names.js";
import type { Transcripts } from "../pipeline/batch-job.js";
import { TRANSCRIPT_SOURCES, TranscriptMetadata, Utterance, Word } from "../domain/transcript.js";
import { TranscriptLanguage, TranscriptionOptions } from "../domain/transcription-options.js";

/** A completed job's result object in the bucket: what the synchronous answer carries, minus the event. */
export const JobResult = v.object({
  raw_transcript: v.string(),
  cleaned_transcript: v.string(),
  cleaner: v.picklist(CLEANED_BY),
  source: v.picklist(TRANSCRIPT_SOURCES),
  metadata: TranscriptMetadata,
  utterances: v.optional(v.array(Utterance)),
  words: v.optional(v.array(Word)),
  // Results written before requests had options have none of these: they read as unknown.
  confidence: v.optional(v.nullable(v.number()), null),
  language: v.optional(v.nullable(TranscriptLanguage), null),
  options: v.optional(v.nullable(TranscriptionOptions), null),
});
export type JobResult = v.InferOutput<typeof JobResult>;

export function toJobResult({ raw, cleaned }: Transcripts): JobResult {
  return {
    raw_transcript: raw.text,
    cleaned_transcript: cleaned.text,
    cleaner: cleaned.cleaner,
    source: raw.source,
    metadata: raw.metadata,
    ...(raw.utterances !== undefined && { utterances: raw.utterances }),
    ...(raw.words !== undefined && { words: raw.words }),
    confidence: raw.confidence,
    language: raw.language,
    options: raw.options,
  };
}

export function fromJobResult(result: JobResult): Transcripts {
  return {
    raw: {
      source: result.source,
      text: result.raw_transcript,
      metadata: result.metadata,
      ...(result.utterances !== undefined && { utterances: result.utterances }),
      ...(result.words !== undefined && { words: result.words }),
      confidence: result.confidence,
      language: result.language,
      options: result.options,
    },
    cleaned: { text: result.cleaned_transcript, cleaner: result.cleaner },
  };
}

export function parseJobResult(bytes: Buffer): JobResult {
  return v.parse(JobResult, JSON.parse(bytes.toString("utf8")));
}
