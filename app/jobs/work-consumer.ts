import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { Consumer } from "sqs-consumer";
import type { Logger } from "../logger.js";
import type { WorkDelivery } from "./job-processor.js";

/** The job a message is about, if it names one: every message of ours has a `job_id`. */
function jobIdOf(body: string | undefined): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body ?? "");
    const id = typeof parsed === "object" && parsed !== null ? (parsed as { job_id?: unknown }).job_id : undefined;
    return typeof id === "string" ? id.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}

/** What a log line says of a message: its id, and the job's (as `interaction_id`, like every line about a job). */
function about(message: Message): Record<string, unknown> {
  return { message_id: message.MessageId, interaction_id: jobIdOf(message.Body) };
}

/**
 * What a processor throws on purpose to have its message shown again after the retry delay (a webhook try to
 * make again), having logged why: the consumer notes it at debug, not as a failure.
 */
export class RetryLater extends Error {
  override readonly name: string = "RetryLater";
}

/** Long polls this long: a shutdown waits for the receives under way, so it is kept well short of SQS's 20 s. */
const DEFAULT_WAIT_TIME_S = 5;

export interface WorkConsumerOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** What a message of this queue is, in log lines: "job", "webhook delivery", "dead letter". */
  subject: string;
  /** Resolves when the message is done with (it is deleted); throws to have it delivered again. */
  process: (delivery: WorkDelivery) => Promise<void>;
  logger: Logger;
  /** Jobs processed at once by this process. */
  concurrency: number;
  /** How long a received message stays hidden; the heartbeat extends it while its job runs. */
  visibilityTimeoutS: number;
  /** How soon a failed message comes back for another attempt: fixed, or by how often it was received. */
  retryDelayS: number | ((receiveCount: number) => number);
  waitTimeSeconds?: number;
}

/**
 * Feeds a processor from a queue (the job processor from the work queue, webhook deliveries from theirs): `concurrency` jobs at once (one sqs-consumer per slot, so a
 * long job never holds back the next), visibility extended by a heartbeat while a job runs, and a shutdown
 * that stops receiving, lets running jobs finish within a grace period, then releases the messages of the
 * ones still running so another worker takes them within seconds.
 */
export function createWorkConsumer(options: WorkConsumerOptions) {
  const waitTimeSeconds = options.waitTimeSeconds ?? DEFAULT_WAIT_TIME_S;
  const running = new Map<string, { done: Promise<unknown>; abort: AbortController }>();
  let stopping = false;

  /**
   * Makes a message visible again soon, so another worker takes the job without waiting out its timeout.
   * Not at once: this process's own receives under way would take it back, and every receive counts towards
   * the redrive limit; they all end within the long-poll wait.
   */
  async function release(message: Message): Promise<void> {
    try {
      await options.sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: options.queueUrl,
          ReceiptHandle: message.ReceiptHandle,
          VisibilityTimeout: waitTimeSeconds + 1,
        }),
      );
      options.logger.info(about(message), `${options.subject} released at shutdown`);
    } catch (error) {
      options.logger.warn(
        { err: error, ...about(message) },
        `${options.subject} not released; it comes back after its visibility timeout`,
      );
    }
  }

  /** Deletes the message once the job is done with it; throws to leave it for sqs-consumer to show again after `retryDelayS`. */
  async function run(message: Message, abort: AbortController): Promise<undefined> {
    try {
      await options.process({
        body: message.Body,
        messageId: message.MessageId,
        receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1),
        signal: abort.signal,
      });
    } catch (error) {
      if (!abort.signal.aborted) throw error;
      await release(message);
      return undefined;
    }
    await options.sqs.send(
      new DeleteMessageCommand({ QueueUrl: options.queueUrl, ReceiptHandle: message.ReceiptHandle }),
    );
    return undefined;
  }

  function handleMessage(message: Message): Promise<undefined> {
    // A receive that was under way when shutdown began: hand its message straight back.
    if (stopping) return release(message).then(() => undefined);
    const abort = new AbortController();
    const key = message.ReceiptHandle ?? message.MessageId ?? String(running.size);
    const done = run(message, abort).finally(() => running.delete(key));
    running.set(key, { done: done.catch(() => undefined), abort });
    return done;
  }

  const retryDelayOf = (message: Message | undefined) =>
    typeof options.retryDelayS === "number"
      ? options.retryDelayS
      : options.retryDelayS(Number(message?.Attributes?.ApproximateReceiveCount ?? 1));

  const consumers = Array.from({ length: options.concurrency }, () => {
    const consumer = Consumer.create({
      sqs: options.sqs,
      queueUrl: options.queueUrl,
      handleMessage,
      batchSize: 1,
      waitTimeSeconds,
      // A receive under way at shutdown is waited for: had the process gone, SQS would still hand its message
      // to the closed connection, and the job would wait out a whole visibility timeout.
      pollingCompleteWaitTimeMs: (waitTimeSeconds + 5) * 1000,
      visibilityTimeout: options.visibilityTimeoutS,
      heartbeatInterval: Math.max(1, Math.floor(options.visibilityTimeoutS / 3)),
      terminateVisibilityTimeout: (messages: Message[]) => retryDelayOf(messages[0]),
      messageSystemAttributeNames: ["ApproximateReceiveCount"],
    });
    consumer.on("processing_error", (error, message) => {
      // sqs-consumer wraps what the processor threw; the processor's own error is its cause.
      if (((error as { cause?: unknown }).cause ?? error) instanceof RetryLater)
        options.logger.debug(about(message), `${options.subject} left for another try`);
      else
        options.logger.warn(
          { err: error, ...about(message) },
          `${options.subject} attempt failed; message will be delivered again`,
        );
    });
    consumer.on("error", (error) => options.logger.error({ err: error }, `${options.subject} queue error`));
    return consumer;
  });

  return {
    start() {
      for (const consumer of consumers) consumer.start();
    },
    get running() {
      return running.size;
    },
    /**
     * Stops receiving; waits up to `graceMs` for running jobs, then releases what is left, and for the
     * receives under way (a message they bring is released at once). Resolves how many jobs were released.
     */
    async stop(graceMs: number): Promise<number> {
      stopping = true;
      const receivesDone = Promise.all(
        consumers.map((consumer) => new Promise((resolve) => consumer.once("stopped", resolve))),
      );
      for (const consumer of consumers) consumer.stop();
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<"grace over">(
        (resolve) => (timer = setTimeout(() => resolve("grace over"), graceMs)),
      );
      const finished = Promise.all([...running.values()].map((job) => job.done));
      const first = await Promise.race([finished, graceOver]);
      clearTimeout(timer);
      const left = first === "grace over" ? [...running.values()] : [];
      for (const job of left) job.abort.abort(new Error("worker shutting down"));
      await Promise.all(left.map((job) => job.done));
      await receivesDone;
      return left.length;
    },
  };
}

export type WorkConsumer = ReturnType<typeof createWorkConsumer>;
