import * as v from "valibot";

/**
 * The `BatchProcessingCompleted` event contract, v1: the one definition the service publishes, the
 * infrastructure routes on, and consumers validate against. `schemas/batch-processing-completed.v1.json` is
 * generated from it (`npm run schemas`) and a test fails when the two drift.
 */
export const DETAIL_TYPE = "BatchProcessingCompleted";
export const DEFAULT_EVENT_SOURCE = "com.yourapp.transcription";
export const EVENT_VERSION = "1.0";

/** A UUID v4 as the service writes it: lower case. */
export const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** ISO 8601 in UTC with milliseconds, as `Date.prototype.toISOString` writes it. */
const ISO_UTC_MILLIS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const BatchProcessingCompletedV1 = v.strictObject({
  version: v.literal(EVENT_VERSION),
  interaction_id: v.pipe(v.string(), v.regex(UUID_V4), v.description("UUID v4 of the request that produced the event")),
  tenant_id: v.pipe(v.string(), v.regex(UUID_V4), v.description("UUID v4 of the tenant")),
  user_id: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  account_id: v.nullable(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
  timestamp: v.pipe(v.string(), v.regex(ISO_UTC_MILLIS), v.description("When processing completed, ISO 8601 UTC")),
  status: v.literal("completed"),
  data: v.strictObject({
    cleaned_transcript: v.string(),
    raw_transcript: v.string(),
  }),
});

export type BatchProcessingCompletedDetail = v.InferOutput<typeof BatchProcessingCompletedV1>;

/** The EventBridge rule pattern that selects exactly these events from `source`. */
export function completedEventPattern(source: string = DEFAULT_EVENT_SOURCE) {
  return { source: [source], "detail-type": [DETAIL_TYPE] };
}

export interface CompletedEventInput {
  interactionId: string;
  tenantId: string;
  userId: string;
  accountId: string | null;
  rawTranscript: string;
  cleanedTranscript: string;
  completedAt: Date;
}

export function buildCompletedEvent(input: CompletedEventInput): BatchProcessingCompletedDetail {
  return {
    version: EVENT_VERSION,
    interaction_id: input.interactionId,
    tenant_id: input.tenantId,
    user_id: input.userId,
    account_id: input.accountId,
    timestamp: input.completedAt.toISOString(),
    status: "completed",
    data: { cleaned_transcript: input.cleanedTranscript, raw_transcript: input.rawTranscript },
  };
}

/** Parses a detail as consumers receive it; throws a `ValiError` naming the first field that is wrong. */
export function parseCompletedEvent(detail: unknown): BatchProcessingCompletedDetail {
  return v.parse(BatchProcessingCompletedV1, detail);
}
