import type { Message, SQSClient } from "@aws-sdk/client-sqs";
import { Consumer } from "sqs-consumer";
import type { Logger } from "../logger.js";
import type { JobProcessor } from "./job-processor.js";

export interface WorkConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  process: JobProcessor;
  logger: Logger;
  /** Jobs processed at once by this process. */
  concurrency: number;
  /** How long a received message stays hidden; the heartbeat extends it while its job runs. */
  visibilityTimeoutS: number;
  /** How soon a failed job's message comes back for another attempt. */
  retryDelayS: number;
  waitTimeSeconds?: number;
}

/**
 * Feeds the job processor from the work queue: `concurrency` jobs at once (one sqs-consumer per slot, so a
 * long job never holds back the next), visibility extended by a heartbeat while a job runs, and a shutdown
 * that stops receiving, lets running jobs finish within a grace period, then releases the messages of the
 * ones still running (visibility 0) so another worker takes them at once.
 */
export function createWorkConsumer(options: WorkConsumerOptions) {
  const running = new Map<string, { done: Promise<unknown>; abort: AbortController }>();
  let releasing = false;

  async function handleMessage(message: Message): Promise<Message> {
    const abort = new AbortController();
    const key = message.ReceiptHandle ?? message.MessageId ?? String(running.size);
    const done = options.process({
      body: message.Body,
      messageId: message.MessageId,
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
      signal: abort.signal,
    });
    running.set(key, { done: done.catch(() => undefined), abort });
    try {
      await done;
      return message;
    } finally {
      running.delete(key);
    }
  }

  const consumers = Array.from({ length: options.concurrency }, () => {
    const consumer = Consumer.create({
      sqs: options.sqs,
      queueUrl: options.queueUrl,
      handleMessage,
      batchSize: 1,
      waitTimeSeconds: options.waitTimeSeconds ?? 20,
      visibilityTimeout: options.visibilityTimeoutS,
      heartbeatInterval: Math.max(1, Math.floor(options.visibilityTimeoutS / 3)),
      terminateVisibilityTimeout: () => (releasing ? 0 : options.retryDelayS),
      messageSystemAttributeNames: ["ApproximateReceiveCount"],
    });
    consumer.on("processing_error", (error, message) =>
      options.logger.warn({ err: error, message_id: message.MessageId }, releasing ? "job released at shutdown" : "job attempt failed; message will be delivered again"),
    );
    consumer.on("error", (error) => options.logger.error({ err: error }, "work queue error"));
    return consumer;
  });

  return {
    start() {
      for (const consumer of consumers) consumer.start();
    },
    get running() {
      return running.size;
    },
    /** Stops receiving; waits up to `graceMs` for running jobs, then releases what is left. Resolves how many were released. */
    async stop(graceMs: number): Promise<number> {
      for (const consumer of consumers) consumer.stop();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<"grace over">((resolve) => (timer = setTimeout(() => resolve("grace over"), graceMs)));
      const finished = Promise.all([...running.values()].map((job) => job.done));
      const first = await Promise.race([finished, graceOver]);
      clearTimeout(timer);
      if (first !== "grace over") return 0;
      releasing = true;
      const left = [...running.values()];
      for (const job of left) job.abort.abort(new Error("worker shutting down"));
      await Promise.all(left.map((job) => job.done));
      return left.length;
    },
  };
}

export type WorkConsumer = ReturnType<typeof createWorkConsumer>;
