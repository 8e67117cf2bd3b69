import type { EventPublisher } from "../../app/events/event-publisher.js";
import type { TranscriptEventDetail } from "../../app/events/transcript-events.js";

/** A publisher that keeps every detail it is given and reports each as published. */
export function capturingPublisher() {
  const details: TranscriptEventDetail[] = [];
  const publisher: EventPublisher = {
    state: "enabled",
    publish(detail) {
      details.push(detail);
      return Promise.resolve({ status: "published", eventId: `evt-${details.length}`, attempts: 1 });
    },
  };
  return { publisher, details };
}
