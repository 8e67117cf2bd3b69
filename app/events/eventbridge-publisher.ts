import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { Logger } from "../logger.js";
import type { EventPublisher, PublishOutcome } from "./event-publisher.js";
import { createPutEventsSender, type PutEventsSenderOptions } from "./put-events-sender.js";
import { entrySize, PublishError } from "./publish-error.js";
import { eventTypeOf } from "./transcript-events.js";

export interface EventBridgePublisherOptions extends PutEventsSenderOptions {
  busName: string;
  source: string;
  maxEntryBytes: number;
}

/** Publishes each event as one PutEvents entry on the configured bus, after checking its size. */
export function createEventBridgePublisher(options: EventBridgePublisherOptions): EventPublisher {
  const send = createPutEventsSender(options);

  function tooLarge(log: Logger, lengths: Record<string, unknown>, bytes: number): PublishOutcome {
    log.error(
      { ...lengths, entry_bytes: bytes, max_entry_bytes: options.maxEntryBytes, error_code: "EntryTooLarge" },
      "event not published",
    );
    return { status: "failed", error: "EntryTooLarge", attempts: 0 };
  }

  return {
    get state() {
      return send.circuit === "open" ? "degraded" : "enabled";
    },
    async publish(detail, { log }) {
      const type = eventTypeOf(detail);
      const lengths = type.describe(detail);
      // Past the limit on the transcripts alone, skip serialising them at all.
      const transcriptBytes = type.minimumBytes(detail);
      if (transcriptBytes > options.maxEntryBytes) return tooLarge(log, lengths, transcriptBytes);
      const entry: PutEventsRequestEntry = {
        Time: new Date(detail.timestamp),
        Source: options.source,
        DetailType: type.detailType,
        Detail: JSON.stringify(detail),
        EventBusName: options.busName,
      };
      const size = entrySize(entry);
      if (size > options.maxEntryBytes) return tooLarge(log, lengths, size);

      const { results, attempts, failure } = await send([entry]);
      const eventId = results[0]?.EventId;
      if (eventId === undefined) {
        const code = failure?.code ?? results[0]?.ErrorCode ?? "MissingEventId";
        log.error(
          {
            ...lengths,
            error_code: code,
            last_error_code: failure?.cause instanceof PublishError ? failure.cause.code : undefined,
            attempts,
            err: failure ?? new PublishError(code, false, results[0]?.ErrorMessage ?? code),
          },
          "event not published",
        );
        return { status: "failed", error: code, attempts };
      }
      log.debug({ ...lengths, event_id: eventId, attempts, entry_bytes: size }, "event published");
      return { status: "published", eventId, attempts };
    },
  };
}
