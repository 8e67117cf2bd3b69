import * as v from "valibot";
import { CLEANED_BY } from "../domain/names.js";
import type { Transcripts } from "../pipeline/batch-job.js";
import { TRANSCRIPT_SOURCES, TranscriptMetadata, Utterance } from "../domain/transcript.js";

/** A completed job's result object in the bucket: what the synchronous answer carries, minus the event. */
export const JobResult = v.object({
  raw_transcript: v.string(),
  cleaned_transcript: v.string(),
  cleaner: v.picklist(CLEANED_BY),
  source: v.picklist(TRANSCRIPT_SOURCES),
  metadata: TranscriptMetadata,
  utterances: v.optional(v.array(Utterance)),
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
  };
}

export function fromJobResult(result: JobResult): Transcripts {
  return {
    raw: {
      source: result.source,
      text: result.raw_transcript,
      metadata: result.metadata,
      ...(result.utterances !== undefined && { utterances: result.utterances }),
    },
    cleaned: { text: result.cleaned_transcript, cleaner: result.cleaner },
  };
}

export function parseJobResult(bytes: Buffer): JobResult {
  return v.parse(JobResult, JSON.parse(bytes.toString("utf8")));
}
