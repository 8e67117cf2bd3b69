import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  SendMessageBatchCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Logger } from "../../app/logger.js";

export interface DrainOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** The message when done with it, `undefined` to leave it on the queue. */
  handle: (message: Message) => Promise<Message | undefined>;
  /**
   * Receive without consuming: when the pass ends, every message read is put back as a fresh copy (its
   * receive count starts again at 0), so peeking never moves a message toward the DLQ.
   */
  peek: boolean;
  log: Logger;
  /** Seconds a received message stays hidden while the pass runs. */
  visibilityTimeoutS?: number;
}

/**
 * Reads what is on the queue now and returns: each message is handled once, then deleted (or, peeking, put
 * back when the pass ends, so a peek never takes a message from its consumers nor spends one of their
 * receives). Ends at the first receive that brings nothing new.
 */
export async function drainQueue(options: DrainOptions): Promise<{ handled: number; putBack: number }> {
  const { sqs, queueUrl, log } = options;
  const held: Message[] = [];
  const seen = new Set<string>();
  try {
    for (;;) {
      const { Messages: messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: options.visibilityTimeoutS ?? 30,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
          MessageAttributeNames: ["All"],
        }),
      );
      const fresh = messages.filter((message) => !seen.has(message.MessageId ?? ""));
      if (fresh.length === 0) break;
      for (const message of fresh) {
        seen.add(message.MessageId ?? "");
        let done: Message | undefined;
        try {
          done = await options.handle(message);
        } catch (error) {
          log.error({ err: error, message_id: message.MessageId }, "handler failed; message left on the queue");
        }
        if (options.peek) held.push(message);
        else if (done !== undefined)
          await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      }
    }
  } catch (error) {
    await release(sqs, queueUrl, held);
    throw error;
  }
  return { handled: seen.size, putBack: await putBack(sqs, queueUrl, held, log) };
}

/**
 * Each message as a fresh copy (same body and attributes, receive count 0), then the original deleted: what
 * a peek read is on the queue as before, with all of its consumer's receives left. A copy that could not be
 * sent leaves its original in place, visible again.
 */
async function putBack(sqs: SQSClient, queueUrl: string, messages: Message[], log: Logger): Promise<number> {
  let copied = 0;
  for (let start = 0; start < messages.length; start += 10) {
    const batch = messages.slice(start, start + 10);
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((message, index) => ({
          Id: String(index),
          MessageBody: message.Body ?? "",
          ...(message.MessageAttributes !== undefined && { MessageAttributes: message.MessageAttributes }),
        })),
      }),
    );
    const copies = new Set((sent.Successful ?? []).map((entry) => Number(entry.Id)));
    const originals = batch.filter((_, index) => copies.has(index));
    if (originals.length > 0)
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: originals.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    const left = batch.filter((_, index) => !copies.has(index));
    if (left.length > 0) {
      log.warn({ messages: left.length }, "some peeked messages could not be copied; released as they were");
      await release(sqs, queueUrl, left);
    }
    copied += originals.length;
  }
  return copied;
}

async function release(sqs: SQSClient, queueUrl: string, messages: Message[]): Promise<void> {
  for (let start = 0; start < messages.length; start += 10) {
    const batch = messages.slice(start, start + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}
