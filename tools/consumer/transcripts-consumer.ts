import { createHash } from "node:crypto";
import type { Message, SQSClient } from "@aws-sdk/client-sqs";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { LRUCache } from "lru-cache";
import { Consumer } from "sqs-consumer";
import * as v from "valibot";
import {
  DETAIL_TYPE,
  type BatchProcessingCompletedDetail,
  type TranscriptsReference,
} from "../../app/events/batch-processing-completed.js";
import { FAILED_DETAIL_TYPE, type BatchProcessingFailedDetail } from "../../app/events/batch-processing-failed.js";
import type { Logger } from "../../app/logger.js";
import { EVENT_TYPES } from "../../app/events/transcript-events.js";
import { Word } from "../../app/domain/transcript.js";
import type { TranscriptLanguage, TranscriptionOptions } from "../../app/domain/transcription-options.js";

/**
 * A downstream consumer of the transcript events, written to be copied: a typed handler, and the wiring
 * that feeds it from SQS. `BatchProcessingCompleted` arrives with its transcripts inline, also when the
 * event carried a claim check (they are fetched from S3 and their sha256 checked first). Delivery is at
 * least once and a crashed worker publishes again, so events are de-duplicated by `interaction_id` and
 * status; a message that breaks the contract is left for the redrive policy to dead-letter.
 */

const envelope = { id: v.string(), source: v.string(), time: v.optional(v.string()) };

/** The envelope EventBridge delivers one registered event type in: its detail type, and its contract as the detail. */
function envelopeOf<const D extends string, S extends v.GenericSchema>(type: { detailType: D; schema: S }) {
  return v.object({ ...envelope, "detail-type": v.literal(type.detailType), detail: type.schema });
}

/** The EventBridge envelopes the rule delivers, one per registered detail type. */
export const TranscriptEventEnvelope = v.variant("detail-type", [
  envelopeOf(EVENT_TYPES.completed),
  envelopeOf(EVENT_TYPES.failed),
]);
export type TranscriptEventEnvelope = v.InferOutput<typeof TranscriptEventEnvelope>;

/** A completed event as handlers see it: the transcripts (and words) inline, whichever way they travelled. */
export type ResolvedCompletedDetail = Omit<BatchProcessingCompletedDetail, "data"> & {
  data: {
    raw_transcript: string;
    cleaned_transcript: string;
    transcripts_ref?: TranscriptsReference;
    /** From 1.2: the transcript's words, when the provider gave them, and what it is besides its text. */
    words?: Word[] | undefined;
    language?: TranscriptLanguage | null;
    confidence?: number | null;
    options?: TranscriptionOptions | null;
  };
};

export type ReceivedTranscriptEvent = { id: string; source: string; time?: string | undefined } & (
  | { "detail-type": typeof DETAIL_TYPE; detail: ResolvedCompletedDetail }
  | { "detail-type": typeof FAILED_DETAIL_TYPE; detail: BatchProcessingFailedDetail }
);

/** What a team writes: what to do with one valid, first-seen event. Throw to have it delivered again. */
export type TranscriptEventHandler = (event: ReceivedTranscriptEvent) => Promise<void>;

export class InvalidMessage extends Error {
  override readonly name = "InvalidMessage";
}

export function parseEnvelope(body: string | undefined): TranscriptEventEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch {
    throw new InvalidMessage("body is not JSON");
  }
  const parsed = v.safeParse(TranscriptEventEnvelope, json);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new InvalidMessage(`${v.getDotPath(issue) ?? "envelope"}: ${issue.message}`);
  }
  return parsed.output;
}

const StoredTranscripts = v.object({
  raw_transcript: v.string(),
  cleaned_transcript: v.string(),
  words: v.optional(v.array(Word)),
});

/** Fetches a claim check's transcripts, refusing an object whose size or sha256 is not what the event says. */
export async function fetchTranscripts(
  s3: S3Client,
  reference: TranscriptsReference,
): Promise<v.InferOutput<typeof StoredTranscripts>> {
  const object = await s3.send(new GetObjectCommand({ Bucket: reference.bucket, Key: reference.key }));
  const bytes = Buffer.from(await object.Body!.transformToByteArray());
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  if (bytes.length !== reference.bytes || sha256 !== reference.sha256) {
    throw new InvalidMessage(`transcripts at ${reference.key} do not match the event's size and sha256`);
  }
  return v.parse(StoredTranscripts, JSON.parse(bytes.toString("utf8")));
}

/** Replaces a claim check by the transcripts it points at; inline events pass as they are. */
export async function resolveEvent(
  event: TranscriptEventEnvelope,
  s3: S3Client | undefined,
): Promise<ReceivedTranscriptEvent> {
  if (event["detail-type"] === FAILED_DETAIL_TYPE) return event;
  const { detail } = event;
  if (!("transcripts_ref" in detail.data)) return { ...event, detail: { ...detail, data: detail.data } };
  if (s3 === undefined) throw new Error("a claim-checked event arrived and the consumer has no S3 client to fetch it");
  const reference = detail.data.transcripts_ref;
  const transcripts = await fetchTranscripts(s3, reference);
  return { ...event, detail: { ...detail, data: { ...detail.data, ...transcripts, transcripts_ref: reference } } };
}

export interface ConsumerOptions {
  sqs: SQSClient;
  /** Reads claim-checked transcripts; without it such an event fails (and is delivered again). */
  s3?: S3Client;
  queueUrl: string;
  handler: TranscriptEventHandler;
  log: Logger;
  /** How many events to remember for de-duplication. */
  rememberedEvents?: number;
  waitTimeSeconds?: number;
  visibilityTimeout?: number;
}

/** One recording has one outcome per status: a republished event has a new EventBridge id, not a new key. */
const deduplicationKey = (event: TranscriptEventEnvelope) => `${event.detail.interaction_id}:${event.detail.status}`;

/**
 * Parses, de-duplicates and resolves one message, then hands it to the handler: the message when it is done
 * with (to delete), `undefined` when it is left for the redrive policy.
 */
export function createMessageHandler(options: Pick<ConsumerOptions, "s3" | "handler" | "log" | "rememberedEvents">) {
  const seen = new LRUCache<string, true>({ max: options.rememberedEvents ?? 10_000 });
  const { log } = options;
  return async function handleMessage(message: Message): Promise<Message | undefined> {
    let event: TranscriptEventEnvelope;
    try {
      event = parseEnvelope(message.Body);
    } catch (error) {
      log.warn(
        {
          message_id: message.MessageId,
          receive_count: message.Attributes?.ApproximateReceiveCount,
          reason: (error as Error).message,
        },
        "invalid message left for the redrive policy",
      );
      return undefined;
    }
    const key = deduplicationKey(event);
    if (seen.has(key)) {
      log.info(
        { event_id: event.id, interaction_id: event.detail.interaction_id, status: event.detail.status },
        "duplicate delivery skipped",
      );
      return message;
    }
    await options.handler(await resolveEvent(event, options.s3));
    seen.set(key, true);
    return message;
  };
}

export function createTranscriptsConsumer(options: ConsumerOptions): Consumer {
  const { log } = options;
  const consumer = Consumer.create({
    sqs: options.sqs,
    queueUrl: options.queueUrl,
    handleMessage: createMessageHandler(options),
    waitTimeSeconds: options.waitTimeSeconds ?? 20,
    messageSystemAttributeNames: ["ApproximateReceiveCount"],
    ...(options.visibilityTimeout !== undefined && { visibilityTimeout: options.visibilityTimeout }),
  });
  consumer.on("processing_error", (error, message) =>
    log.error({ err: error, message_id: message.MessageId }, "handler failed; message will be delivered again"),
  );
  consumer.on("error", (error) => log.error({ err: error }, "consumer error"));
  return consumer;
}

/** The first words of a transcript, on one line, without control characters (it is printed to a terminal). */
export function firstWords(text: string, words = 8): string {
  const head = text
    .slice(0, 400)
    .replace(/\p{Cc}/gu, " ")
    .split(" ")
    .filter(Boolean);
  const shown = head.slice(0, words).join(" ");
  return head.length > words || text.length > 400 ? `${shown} …` : shown;
}

/** The example handler: one readable line per event (time, type, tenant, interaction, lengths, first words). */
export function printEvent(print: (line: string) => void = console.log): TranscriptEventHandler {
  return (event) => {
    const { tenant_id: tenant, interaction_id: interaction } = event.detail;
    const head = `${event.time ?? ""} ${event["detail-type"]} tenant=${tenant} interaction=${interaction}`;
    if (event["detail-type"] === FAILED_DETAIL_TYPE) {
      print(`${head} error=${event.detail.error.code} stage=${event.detail.error.stage}`);
    } else {
      const { data } = event.detail;
      const words = JSON.stringify(firstWords(data.cleaned_transcript));
      print(
        `${head} raw_length=${data.raw_transcript.length} cleaned_length=${data.cleaned_transcript.length}${data.transcripts_ref ? " claim_check=true" : ""} ${words}`,
      );
    }
    return Promise.resolve();
  };
}

/** One whole event per line, transcripts inline, for `jq`. */
export function printEventJson(print: (line: string) => void = console.log): TranscriptEventHandler {
  return (event) => {
    print(JSON.stringify(event));
    return Promise.resolve();
  };
}
