import * as v from "valibot";
import { TRANSCRIPTION_PROVIDERS } from "../transcription/transcriber.js";

/** Where a raw transcript came from: a transcribed recording, or imported captions. */
export const TRANSCRIPT_SOURCES = ["audio", "captions"] as const;
export type TranscriptSource = (typeof TRANSCRIPT_SOURCES)[number];

/** What is known about how a transcript was made; `null` where unknown. Defined once: the API answers this shape. */
export const TranscriptMetadata = v.object({
  provider: v.nullable(v.picklist(TRANSCRIPTION_PROVIDERS)),
  model: v.nullable(v.string()),
  duration_s: v.nullable(v.number()),
  request_id: v.nullable(v.string()),
});
export type TranscriptMetadata = v.InferOutput<typeof TranscriptMetadata>;
