import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
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
  /** Receive without deleting: every message is made visible again when the pass ends. */
  peek: boolean;
  log: Logger;
  /** Seconds a received message stays hidden while the pass runs. */
  visibilityTimeoutS?: number;
}

/**
 * Reads what is on the queue now and returns: each message is handled once, then deleted (or, peeking,
 * released when the pass ends, so a peek never takes a message from its consumers). Ends at the first
 * receive that brings nothing new.
 */
export async function drainQueue(options: DrainOptions): Promise<{ handled: number }> {
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
        }),
      );
      const fresh = messages.filter((message) => !seen.has(message.MessageId ?? ""));
      if (fresh.length === 0) return { handled: seen.size };
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
  } finally {
    await release(sqs, queueUrl, held);
  }
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
