import type * as v from "valibot";
import { completedEventType, DEFAULT_EVENT_SOURCE } from "./batch-processing-completed.js";
import { failedEventType } from "./batch-processing-failed.js";
import type { EventType } from "./event-type.js";

/**
 * Every detail type the service publishes, by its detail's `status`: the publisher, the rule pattern, the
 * metrics and the consumer's envelope all read this. Adding one is its module plus one line here.
 */
export const EVENT_TYPES = {
  completed: completedEventType,
  failed: failedEventType,
} as const;

type Registered = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** Every detail the service publishes: what became of one recording. */
export type TranscriptEventDetail = v.InferOutput<Registered["schema"]>;
export type TranscriptDetailType = Registered["detailType"];

export const TRANSCRIPT_DETAIL_TYPES: readonly TranscriptDetailType[] = Object.values(EVENT_TYPES).map(
  (type) => type.detailType,
);

/** The registry entry of a detail. */
export function eventTypeOf(
  detail: TranscriptEventDetail,
): EventType<TranscriptEventDetail> & { detailType: TranscriptDetailType } {
  return EVENT_TYPES[detail.status];
}

/** A detail's detail type, as the registry names it. */
export const detailTypeOf = (detail: TranscriptEventDetail): TranscriptDetailType => eventTypeOf(detail).detailType;

/** The EventBridge rule pattern that selects every registered detail type from `source`, and nothing else. */
export function transcriptEventsPattern(source: string = DEFAULT_EVENT_SOURCE) {
  return { source: [source], "detail-type": [...TRANSCRIPT_DETAIL_TYPES] };
}
