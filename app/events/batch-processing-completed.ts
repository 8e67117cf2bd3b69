import type { RequestContext } from "../domain/request-context.js";
import { UUID_V4 } from "../domain/ids.js";
import { Word } from "../domain/transcript.js";
import { TranscriptLanguage, TranscriptionOptions } from "../domain/transcription-options.js";
import type { EventType } from "./event-type.js";
import * as v from "valibot";

/**
 * The `BatchProcessingCompleted` event contract, v1: the one definition the service publishes, the
 * infrastructure routes on, and consumers validate against. `schemas/batch-processing-completed.v1.json` is
 * generated from it (`npm run schemas`) and a test fails when the two drift.
 *
 * Versions within v1 only add: `1.0` carries both transcripts inline, exactly as it always has; `1.1` is the
 * claim check for transcripts too big for an EventBridge entry: `data` carries `transcripts_ref` (where the
 * transcripts are in S3, their sizes and sha256) instead of the text. A consumer that reads 1.1 reads 1.0; a
 * strict 1.0 consumer refuses a 1.1 event (and it dead-letters) rather than mistaking it for an empty one.
 * `1.2` and `1.3` are 1.0 and 1.1 with what the transcript is besides its text: its language, confidence, the
 * options the provider was asked for, and (1.2 inline; 1.3 in the stored object) its words. The service
 * publishes 1.2 and 1.3; 1.0 and 1.1 stay readable for events already in flight.
 */
export const DETAIL_TYPE = "BatchProcessingCompleted";
export const DEFAULT_EVENT_SOURCE = "com.yourapp.transcription";
export const EVENT_VERSION = "1.0";
export const CLAIM_CHECK_VERSION = "1.1";
export const DETAILED_VERSION = "1.2";
export const DETAILED_CLAIM_CHECK_VERSION = "1.3";

/** ISO 8601 in UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
export const ISO_UTC_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Who a transcript event is about: the same fields, in the same words, on every detail type. */
export const eventSubject = {
  interaction_id: v.pipe(v.string(), v.regex(UUID_V4), v.description("UUID v4 of the request that produced the event")),
  tenant_id: v.pipe(v.string(), v.regex(UUID_V4), v.description("UUID v4 of the tenant")),
  user_id: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  account_id: v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
};

const InlineTranscripts = v.strictObject({
  cleaned_transcript: v.string(),
  raw_transcript: v.string(),
});

const Sha256Hex = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
const ByteCount = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Where a claim-checked event's transcripts are: one JSON object `{ raw_transcript, cleaned_transcript }` (and `words` from 1.3). */
export const TranscriptsReference = v.strictObject({
  bucket: v.pipe(v.string(), v.minLength(3), v.maxLength(63)),
  key: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
  bytes: v.pipe(ByteCount, v.description("Size of the stored JSON object")),
  sha256: v.pipe(Sha256Hex, v.description("sha256 of the stored JSON object, hex")),
  raw_bytes: v.pipe(ByteCount, v.description("UTF-8 bytes of raw_transcript")),
  cleaned_bytes: v.pipe(ByteCount, v.description("UTF-8 bytes of cleaned_transcript")),
});
export type TranscriptsReference = v.InferOutput<typeof TranscriptsReference>;

const common = {
  ...eventSubject,
  timestamp: v.pipe(v.string(), v.regex(ISO_UTC_MILLIS), v.description("When processing completed, ISO 8601 UTC")),
  status: v.literal("completed"),
};

export const BatchProcessingCompletedInline = v.strictObject({
  version: v.literal(EVENT_VERSION),
  ...common,
  data: InlineTranscripts,
});

export const BatchProcessingCompletedClaimCheck = v.strictObject({
  version: v.literal(CLAIM_CHECK_VERSION),
  ...common,
  data: v.strictObject({ transcripts_ref: TranscriptsReference }),
});

/** What a transcript is besides its text (1.2 on): small, so it stays in the event when the text is claim-checked. */
const transcriptDetails = {
  language: v.pipe(v.nullable(TranscriptLanguage), v.description("Asked for or detected; null when neither")),
  confidence: v.pipe(v.nullable(v.number()), v.description("The provider's confidence, 0–1; null for captions")),
  options: v.pipe(v.nullable(TranscriptionOptions), v.description("What the provider was asked; null for captions")),
};

export const BatchProcessingCompletedDetailed = v.strictObject({
  version: v.literal(DETAILED_VERSION),
  ...common,
  data: v.strictObject({
    ...InlineTranscripts.entries,
    words: v.pipe(v.optional(v.array(Word)), v.description("Each word, when the provider gives words")),
    ...transcriptDetails,
  }),
});

export const BatchProcessingCompletedDetailedClaimCheck = v.strictObject({
  version: v.literal(DETAILED_CLAIM_CHECK_VERSION),
  ...common,
  data: v.strictObject({ transcripts_ref: TranscriptsReference, ...transcriptDetails }),
});

export const BatchProcessingCompletedV1 = v.variant("version", [
  BatchProcessingCompletedInline,
  BatchProcessingCompletedClaimCheck,
  BatchProcessingCompletedDetailed,
  BatchProcessingCompletedDetailedClaimCheck,
]);

export type BatchProcessingCompletedDetail = v.InferOutput<typeof BatchProcessingCompletedV1>;
export type InlineCompletedDetail = v.InferOutput<typeof BatchProcessingCompletedDetailed>;
export type ClaimCheckedCompletedDetail = v.InferOutput<typeof BatchProcessingCompletedDetailedClaimCheck>;
type TranscriptDetails = Pick<InlineCompletedDetail["data"], "words" | "language" | "confidence" | "options">;

/** Who the event is about (the request's context), and what became of the recording; details unknown when absent. */
export interface CompletedEventInput extends RequestContext, Partial<TranscriptDetails> {
  rawTranscript: string;
  cleanedTranscript: string;
  completedAt: Date;
}

export function buildCompletedEvent(input: CompletedEventInput): InlineCompletedDetail {
  return {
    version: DETAILED_VERSION,
    interaction_id: input.interactionId,
    tenant_id: input.tenantId,
    user_id: input.userId,
    account_id: input.accountId,
    timestamp: input.completedAt.toISOString(),
    status: "completed",
    data: {
      cleaned_transcript: input.cleanedTranscript,
      raw_transcript: input.rawTranscript,
      ...(input.words !== undefined && { words: input.words }),
      language: input.language ?? null,
      confidence: input.confidence ?? null,
      options: input.options ?? null,
    },
  };
}

/** The same event with its transcripts (and words) replaced by where they are stored. */
export function claimChecked(
  detail: InlineCompletedDetail,
  reference: TranscriptsReference,
): ClaimCheckedCompletedDetail {
  const { language, confidence, options } = detail.data;
  return {
    ...detail,
    version: DETAILED_CLAIM_CHECK_VERSION,
    data: { transcripts_ref: reference, language, confidence, options },
  };
}

/** Parses a detail as consumers receive it; throws a `ValiError` naming the first field that is wrong. */
export function parseCompletedEvent(detail: unknown): BatchProcessingCompletedDetail {
  return v.parse(BatchProcessingCompletedV1, detail);
}

/** `BatchProcessingCompleted` in the event registry. */
export const completedEventType = {
  status: "completed",
  detailType: DETAIL_TYPE,
  versions: [EVENT_VERSION, CLAIM_CHECK_VERSION, DETAILED_VERSION, DETAILED_CLAIM_CHECK_VERSION],
  schema: BatchProcessingCompletedV1,
  describe(detail: BatchProcessingCompletedDetail) {
    if ("transcripts_ref" in detail.data) {
      const reference = detail.data.transcripts_ref;
      return {
        detail_type: DETAIL_TYPE,
        raw_bytes: reference.raw_bytes,
        cleaned_bytes: reference.cleaned_bytes,
        claim_check: true,
      };
    }
    return {
      detail_type: DETAIL_TYPE,
      raw_length: detail.data.raw_transcript.length,
      cleaned_length: detail.data.cleaned_transcript.length,
      ...("words" in detail.data && detail.data.words !== undefined && { words: detail.data.words.length }),
    };
  },
  minimumBytes(detail: BatchProcessingCompletedDetail) {
    if (!("raw_transcript" in detail.data)) return 0;
    return Buffer.byteLength(detail.data.raw_transcript) + Buffer.byteLength(detail.data.cleaned_transcript);
  },
} as const satisfies EventType<BatchProcessingCompletedDetail>;
