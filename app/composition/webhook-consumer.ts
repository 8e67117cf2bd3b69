import { createWorkConsumer, type WorkConsumer } from "../jobs/work-consumer.js";
import type { Logger } from "../logger.js";
import { createDeliveryProcessor, retryWaitS } from "../webhooks/delivery-processor.js";
import { createWebhookSender, WEBHOOK_TRY_TIMEOUT_MS } from "../webhooks/webhook-sender.js";
import type { WebhookSettings } from "../webhooks/webhook-settings.js";
import type { JobAdapters } from "./aws-adapters.js";

/** Deliveries at once per worker process: each waits on a receiver, not on this machine. */
const DELIVERY_CONCURRENCY = 4;

/**
 * The webhook deliveries' consumer for a worker process: tries from the delivery queue, a try's retry put
 * off through its message's visibility (exponential, jittered, at most an hour). Absent without webhooks.
 */
export function createWebhookConsumer(
  jobAdapters: JobAdapters | { missing: string[] },
  webhooks: WebhookSettings,
  logger: Logger,
): WorkConsumer | undefined {
  if ("missing" in jobAdapters || webhooks.queueUrl === undefined) return undefined;
  const webhookLogger = logger.child({ role: "webhooks" });
  const deliver = createDeliveryProcessor({
    store: jobAdapters.store,
    objects: jobAdapters.objects,
    send: createWebhookSender({ allowPrivate: webhooks.allowPrivate }),
    settings: webhooks,
    logger: webhookLogger,
  });
  return createWorkConsumer({
    sqs: jobAdapters.sqs,
    queueUrl: webhooks.queueUrl,
    subject: "webhook delivery",
    process: deliver,
    logger: webhookLogger,
    concurrency: DELIVERY_CONCURRENCY,
    // Long enough for one try and its bookkeeping.
    visibilityTimeoutS: Math.ceil(WEBHOOK_TRY_TIMEOUT_MS / 1000) * 3,
    retryDelayS: (receiveCount) => retryWaitS(receiveCount, webhooks.retryBaseS),
  });
}
