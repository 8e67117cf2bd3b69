import { toJsonSchema } from "@valibot/to-json-schema";
import { BatchProcessingCompletedV1, DETAIL_TYPE, EVENT_VERSION } from "./batch-processing-completed.js";

/** The contract as JSON Schema (draft 2020-12), for consumers in any language. */
export function completedEventJsonSchema(): Record<string, unknown> {
  return {
    ...toJsonSchema(BatchProcessingCompletedV1, { target: "draft-2020-12" }),
    $id: "https://schemas.batch-transcription.dev/batch-processing-completed.v1.json",
    title: `${DETAIL_TYPE} v${EVENT_VERSION}`,
    description: "The `detail` of a BatchProcessingCompleted event on EventBridge.",
  };
}
