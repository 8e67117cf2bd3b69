import type { Logger } from "../logger.js";
import { eventTypeOf, type TranscriptEventDetail } from "./transcript-events.js";

/** What became of an event: reported in the response, the log and the metrics. */
export type PublishOutcome =
  | { status: "published"; eventId: string; attempts: number }
  | { status: "failed"; error: string; attempts: number }
  | { status: "disabled"; error: string };

/** `degraded`: the bus kept failing, so publishes fail fast until a probe gets through. */
export type PublishingState = "enabled" | "degraded" | "disabled";

/** The publishing port. `publish` never throws: every failure is an outcome. */
export interface EventPublisher {
  readonly state: PublishingState;
  publish(detail: TranscriptEventDetail, options: { log: Logger }): Promise<PublishOutcome>;
}

/** The publisher used when AWS credentials cannot be found: says so on every request, never fails one. */
export function disabledPublisher(reason: string): EventPublisher {
  return {
    state: "disabled",
    publish(detail, { log }) {
      log.warn(
        { reason, ...eventTypeOf(detail).describe(detail) },
        "event publishing is disabled; event not published",
      );
      return Promise.resolve({ status: "disabled", error: reason });
    },
  };
}
