import { toJsonSchema } from "@valibot/to-json-schema";
import { BatchProcessingCompletedV1, DETAIL_TYPE, DETAILED_CLAIM_CHECK_VERSION } from "./batch-processing-completed.js";
import { BatchProcessingFailedV1, DETAILED_FAILED_VERSION, FAILED_DETAIL_TYPE } from "./batch-processing-failed.js";

/** The contracts as JSON Schema (draft 2020-12), for consumers in any language. */
export function completedEventJsonSchema(): Record<string, unknown> {
  return {
    ...toJsonSchema(BatchProcessingCompletedV1, { target: "draft-2020-12" }),
    $id: "https://schemas.batch-transcription.dev/batch-processing-completed.v1.json",
    title: `${DETAIL_TYPE} v${DETAILED_CLAIM_CHECK_VERSION}`,
    description:
      "The `detail` of a BatchProcessingCompleted event on EventBridge. Version 1.0 carries both " +
      "transcripts inline; 1.1 (a claim check, for transcripts too big for one event) carries " +
      "`data.transcripts_ref` instead: the S3 object holding `{ raw_transcript, " +
      "cleaned_transcript }`, its size and sha256. 1.2 and 1.3 are 1.0 and 1.1 with the transcript's " +
      "`language`, `confidence` and the `options` the provider was asked for; 1.2 carries `words` inline, " +
      "1.3 in the stored object. The service publishes 1.2 and 1.3.",
  };
}

export function failedEventJsonSchema(): Record<string, unknown> {
  return {
    ...toJsonSchema(BatchProcessingFailedV1, { target: "draft-2020-12" }),
    $id: "https://schemas.batch-transcription.dev/batch-processing-failed.v1.json",
    title: `${FAILED_DETAIL_TYPE} v${DETAILED_FAILED_VERSION}`,
    description:
      "The `detail` of a BatchProcessingFailed event on EventBridge: an accepted recording that could not be " +
      "processed. 1.1 is 1.0 with the `options` the provider was asked (null when no provider was). The " +
      "service publishes 1.1.",
  };
}
