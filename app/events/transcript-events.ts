import { DEFAULT_EVENT_SOURCE, DETAIL_TYPE, type BatchProcessingCompletedDetail } from "./batch-processing-completed.js";
import { FAILED_DETAIL_TYPE, type BatchProcessingFailedDetail } from "./batch-processing-failed.js";

/** Every detail the service publishes: what became of one recording. */
export type TranscriptEventDetail = BatchProcessingCompletedDetail | BatchProcessingFailedDetail;

export const TRANSCRIPT_DETAIL_TYPES = [DETAIL_TYPE, FAILED_DETAIL_TYPE] as const;
export type TranscriptDetailType = (typeof TRANSCRIPT_DETAIL_TYPES)[number];

export function detailTypeOf(detail: TranscriptEventDetail): TranscriptDetailType {
  return detail.status === "completed" ? DETAIL_TYPE : FAILED_DETAIL_TYPE;
}

/** The EventBridge rule pattern that selects both detail types from `source`, and nothing else. */
export function transcriptEventsPattern(source: string = DEFAULT_EVENT_SOURCE) {
  return { source: [source], "detail-type": [...TRANSCRIPT_DETAIL_TYPES] };
}
