import type { SQSClient } from "@aws-sdk/client-sqs";
import { createDeadLetterProcessor } from "../jobs/dead-letter-processor.js";
import { createJobProcessor } from "../jobs/job-processor.js";
import { holdMs, type JobStore } from "../jobs/job-store.js";
import { createWorkConsumer, type WorkConsumer } from "../jobs/work-consumer.js";
import type { Logger } from "../logger.js";
import type { BatchPipeline } from "../pipeline/batch-pipeline.js";
import type { ObjectStore } from "../storage/object-store.js";
import type { TempFiles } from "../upload/temp-files.js";
import { createDeliveryProcessor, retryWaitS } from "../webhooks/delivery-processor.js";
import type { DeliveryQueue } from "../webhooks/delivery-queue.js";
import { createWebhookSender, WEBHOOK_TRY_TIMEOUT_MS } from "../webhooks/webhook-sender.js";
import type { WebhookSettings } from "../webhooks/webhook-settings.js";

/** How a consumer reads its queue: the configured values in the worker; tests shorten them to seconds. */
export interface QueueTimings {
  /** How long a received message stays hidden (extended while its work runs). */
  visibilityTimeoutS: number;
  /** How soon a failed message comes back. */
  retryDelayS: number;
  /** The SQS long-poll wait; the consumer's default when left out. */
  waitTimeSeconds?: number;
}

/** What the job and dead-letter consumers work with. */
export interface JobConsumerDeps {
  sqs: SQSClient;
  store: JobStore;
  objects: ObjectStore;
  pipeline: BatchPipeline;
  tempFiles: TempFiles;
  /** Where a job's ending goes for its callback; absent without webhooks. */
  deliveries: DeliveryQueue | undefined;
  logger: Logger;
  /** How long a job is held from deletion while its event is published (`holdMs` of the publish budget). */
  publishingHoldMs: number;
}

/** The work queue's consumer: each message is one job, run through the pipeline by the job processor. */
export function createJobConsumer(
  deps: JobConsumerDeps & { queueUrl: string },
  settings: QueueTimings & { concurrency: number; maxReceives: number; presignExpiresS: number },
): WorkConsumer {
  return createWorkConsumer({
    sqs: deps.sqs,
    queueUrl: deps.queueUrl,
    subject: "job",
    process: createJobProcessor({
      ...deps,
      maxReceives: settings.maxReceives,
      presignExpiresS: settings.presignExpiresS,
    }),
    logger: deps.logger,
    concurrency: settings.concurrency,
    visibilityTimeoutS: settings.visibilityTimeoutS,
    retryDelayS: settings.retryDelayS,
    ...(settings.waitTimeSeconds !== undefined && { waitTimeSeconds: settings.waitTimeSeconds }),
  });
}

/** The work DLQ's consumer: ends each job whose work message was dead-lettered (failed, its client told). */
export function createDeadLetterConsumer(
  deps: Pick<JobConsumerDeps, "sqs" | "store" | "pipeline" | "deliveries" | "logger" | "publishingHoldMs"> & {
    queueUrl: string;
  },
  timings: QueueTimings,
): WorkConsumer {
  return createWorkConsumer({
    sqs: deps.sqs,
    queueUrl: deps.queueUrl,
    subject: "dead letter",
    process: createDeadLetterProcessor(deps),
    logger: deps.logger,
    // Rare and quick: one at a time is plenty.
    concurrency: 1,
    ...timings,
  });
}

/** Deliveries at once per worker process: each waits on a receiver, not on this machine. */
const DELIVERY_CONCURRENCY = 4;

/**
 * The webhook deliveries' consumer for a worker process: tries from the delivery queue, a try's retry put
 * off through its message's visibility (exponential, jittered, at most an hour). Absent without webhooks.
 * `tuning` shortens a try and the long poll (tests).
 */
export function createWebhookConsumer(
  deps: { sqs: SQSClient; store: JobStore; objects: ObjectStore; logger: Logger },
  webhooks: WebhookSettings,
  tuning: { tryTimeoutMs?: number; waitTimeSeconds?: number } = {},
): WorkConsumer | undefined {
  if (webhooks.queueUrl === undefined) return undefined;
  const webhookLogger = deps.logger.child({ role: "webhooks" });
  const tryTimeoutMs = tuning.tryTimeoutMs ?? WEBHOOK_TRY_TIMEOUT_MS;
  const deliver = createDeliveryProcessor({
    store: deps.store,
    objects: deps.objects,
    send: createWebhookSender({ allowPrivate: webhooks.allowPrivate, timeoutMs: tryTimeoutMs }),
    settings: webhooks,
    logger: webhookLogger,
    holdMs: holdMs(tryTimeoutMs),
  });
  return createWorkConsumer({
    sqs: deps.sqs,
    queueUrl: webhooks.queueUrl,
    subject: "webhook delivery",
    process: deliver,
    logger: webhookLogger,
    concurrency: DELIVERY_CONCURRENCY,
    // Long enough for one try and its bookkeeping.
    visibilityTimeoutS: Math.ceil(tryTimeoutMs / 1000) * 3,
    retryDelayS: (receiveCount) => retryWaitS(receiveCount, webhooks.retryBaseS),
    ...(tuning.waitTimeSeconds !== undefined && { waitTimeSeconds: tuning.waitTimeSeconds }),
  });
}
