import type { RequestContext } from "../domain/request-context.js";
import * as v from "valibot";
import type { EventType } from "./event-type.js";
import { FAILURE_CODES } from "../domain/failures.js";
import { TranscriptionOptions } from "../domain/transcription-options.js";
import { eventSubject, ISO_UTC_MILLIS } from "./batch-processing-completed.js";

/**
 * The `BatchProcessingFailed` event contract, v1: published for every accepted job that ends failed and
 * for a synchronous request that fails after its upload was accepted. `error.code` is one of the domain's
 * stable failure codes; `error.message` is written for people and never holds transcript text.
 * `schemas/batch-processing-failed.v1.json` is generated from it.
 *
 * As for `BatchProcessingCompleted`, versions within v1 only add: `1.1` is `1.0` with the `options` the
 * provider was asked (null when no provider was: captions, or a file that failed before transcription), so
 * a consumer can tell a failure from what was asked of it. The service publishes 1.1; 1.0 stays readable.
 */
export const FAILED_DETAIL_TYPE = "BatchProcessingFailed";
export const FAILED_EVENT_VERSION = "1.0";
export const DETAILED_FAILED_VERSION = "1.1";

/** Where in the pipeline it failed. */
export const FAILURE_STAGES = ["detection", "transcription", "captions_import", "validation", "processing"] as const;
export type FailureStage = (typeof FAILURE_STAGES)[number];

const common = {
  ...eventSubject,
  timestamp: v.pipe(v.string(), v.regex(ISO_UTC_MILLIS), v.description("When processing failed, ISO 8601 UTC")),
  status: v.literal("failed"),
  error: v.strictObject({
    code: v.picklist(FAILURE_CODES),
    message: v.pipe(v.string(), v.maxLength(1024)),
    stage: v.picklist(FAILURE_STAGES),
  }),
};

export const BatchProcessingFailedV1 = v.variant("version", [
  v.strictObject({ version: v.literal(FAILED_EVENT_VERSION), ...common }),
  v.strictObject({
    version: v.literal(DETAILED_FAILED_VERSION),
    ...common,
    options: v.pipe(
      v.nullable(TranscriptionOptions),
      v.description("What the provider was asked; null when no provider was (captions, or before transcription)"),
    ),
  }),
]);

export type BatchProcessingFailedDetail = v.InferOutput<typeof BatchProcessingFailedV1>;
type PublishedFailedDetail = Extract<BatchProcessingFailedDetail, { version: typeof DETAILED_FAILED_VERSION }>;

export interface FailedEventInput extends RequestContext {
  code: BatchProcessingFailedDetail["error"]["code"];
  message: string;
  stage: FailureStage;
  /** What the provider was asked, when one was. */
  options: TranscriptionOptions | null;
  failedAt: Date;
}

export function buildFailedEvent(input: FailedEventInput): PublishedFailedDetail {
  return {
    version: DETAILED_FAILED_VERSION,
    interaction_id: input.interactionId,
    tenant_id: input.tenantId,
    user_id: input.userId,
    account_id: input.accountId,
    timestamp: input.failedAt.toISOString(),
    status: "failed",
    error: { code: input.code, message: input.message.slice(0, 1024), stage: input.stage },
    options: input.options,
  };
}

export function parseFailedEvent(detail: unknown): BatchProcessingFailedDetail {
  return v.parse(BatchProcessingFailedV1, detail);
}

/** `BatchProcessingFailed` in the event registry. */
export const failedEventType = {
  status: "failed",
  detailType: FAILED_DETAIL_TYPE,
  versions: [FAILED_EVENT_VERSION, DETAILED_FAILED_VERSION],
  schema: BatchProcessingFailedV1,
  describe: (detail: BatchProcessingFailedDetail) => ({
    detail_type: FAILED_DETAIL_TYPE,
    error_code: detail.error.code,
    stage: detail.error.stage,
  }),
  minimumBytes: () => 0,
} as const satisfies EventType<BatchProcessingFailedDetail>;
