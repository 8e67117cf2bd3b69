import type { Message, SQSClient } from "@aws-sdk/client-sqs";
import { LRUCache } from "lru-cache";
import { Consumer } from "sqs-consumer";
import * as v from "valibot";
import { BatchProcessingCompletedV1, DETAIL_TYPE } from "../../app/events/batch-processing-completed.js";
import type { Logger } from "../../app/logger.js";

/**
 * A downstream consumer of `BatchProcessingCompleted`, written to be copied: a typed handler, and the
 * wiring that feeds it from SQS. Delivery is at least once, so events are de-duplicated by their
 * EventBridge id; a message that breaks the contract is left on the queue for the redrive policy to move
 * to the dead-letter queue.
 */

/** The EventBridge envelope the rule delivers, with the contract's detail. */
export const CompletedEventEnvelope = v.object({
  id: v.string(),
  source: v.string(),
  "detail-type": v.literal(DETAIL_TYPE),
  time: v.optional(v.string()),
  detail: BatchProcessingCompletedV1,
});

export type CompletedEventEnvelope = v.InferOutput<typeof CompletedEventEnvelope>;

/** What a team writes: what to do with one valid, first-seen event. Throw to have it delivered again. */
export type CompletedEventHandler = (event: CompletedEventEnvelope) => Promise<void>;

export class InvalidMessage extends Error {
  override readonly name = "InvalidMessage";
}

export function parseEnvelope(body: string | undefined): CompletedEventEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch {
    throw new InvalidMessage("body is not JSON");
  }
  const parsed = v.safeParse(CompletedEventEnvelope, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new InvalidMessage(`${v.getDotPath(issue) ?? "envelope"}: ${issue.message}`);
  }
  return parsed.output;
}

export interface ConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  handler: CompletedEventHandler;
  log: Logger;
  /** How many event ids to remember for de-duplication. */
  rememberedEvents?: number;
  waitTimeSeconds?: number;
  visibilityTimeout?: number;
}

export function createTranscriptsConsumer(options: ConsumerOptions): Consumer {
  const seen = new LRUCache<string, true>({ max: options.rememberedEvents ?? 10_000 });
  const { log } = options;

  async function handleMessage(message: Message): Promise<Message | undefined> {
    let event: CompletedEventEnvelope;
    try {
      event = parseEnvelope(message.Body);
    } catch (error) {
      log.warn(
        { message_id: message.MessageId, receive_count: message.Attributes?.ApproximateReceiveCount, reason: (error as Error).message },
        "invalid message left for the redrive policy",
      );
      return undefined;
    }
    if (seen.has(event.id)) {
      log.info({ event_id: event.id, interaction_id: event.detail.interaction_id }, "duplicate delivery skipped");
      return message;
    }
    await options.handler(event);
    seen.set(event.id, true);
    return message;
  }

  const consumer = Consumer.create({
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    handleMessage,
    waitTimeSeconds: options.waitTimeSeconds ?? 20,
    messageSystemAttributeNames: ["ApproximateReceiveCount"],
    ...(options.visibilityTimeout !== undefined && { visibilityTimeout: options.visibilityTimeout }),
  });
  consumer.on("processing_error", (error, message) => log.error({ err: error, message_id: message.MessageId }, "handler failed; message will be delivered again"));
  consumer.on("error", (error) => log.error({ err: error }, "consumer error"));
  return consumer;
}

/** The example handler: one line per event, transcripts by length only. */
export function printEvent(print: (line: string) => void = console.log): CompletedEventHandler {
  return (event) => {
    const { tenant_id: tenant, interaction_id: interaction, data } = event.detail;
    print(`${event.time ?? ""} tenant=${tenant} interaction=${interaction} raw_length=${data.raw_transcript.length} cleaned_length=${data.cleaned_transcript.length}`);
    return Promise.resolve();
  };
}
