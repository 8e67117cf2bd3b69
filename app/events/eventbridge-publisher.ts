import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import type { Logger } from "../logger.js";
import type { EventPublisher, PublishOutcome } from "./event-publisher.js";
import { createPutEventsSender, type PutEventsSenderOptions } from "./put-events-sender.js";
import { entrySize, PublishError } from "./publish-error.js";
import { eventTypeOf, type TranscriptEventDetail } from "./transcript-events.js";

export interface EventBridgePublisherOptions extends PutEventsSenderOptions {
  busName: string;
  source: string;
  maxEntryBytes: number;
}

/**
 * A detail as one PutEvents entry, with EventBridge's measure of its size. No entry when its transcripts alone
 * are past `maxEntryBytes`: the whole detail is then never serialised, and `bytes` is the transcripts' size.
 */
export function putEventsEntry(
  detail: TranscriptEventDetail,
  { source, busName, maxEntryBytes }: { source: string; busName?: string; maxEntryBytes: number },
): { entry: PutEventsRequestEntry | undefined; bytes: number } {
  const type = eventTypeOf(detail);
  const transcriptBytes = type.minimumBytes(detail);
  if (transcriptBytes > maxEntryBytes) return { entry: undefined, bytes: transcriptBytes };
  const entry: PutEventsRequestEntry = {
    Time: new Date(detail.timestamp),
    Source: source,
    DetailType: type.detailType,
    Detail: JSON.stringify(detail),
    ...(busName !== undefined && { EventBusName: busName }),
  };
  return { entry, bytes: entrySize(entry) };
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
      const lengths = eventTypeOf(detail).describe(detail);
      const { entry, bytes } = putEventsEntry(detail, options);
      if (entry === undefined || bytes > options.maxEntryBytes) return tooLarge(log, lengths, bytes);

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
      log.debug({ ...lengths, event_id: eventId, attempts, entry_bytes: bytes }, "event published");
      return { status: "published", eventId, attempts };
    },
  };
}
