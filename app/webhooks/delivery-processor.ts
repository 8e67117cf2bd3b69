import { buffer } from "node:stream/consumers";
import type { Logger } from "../logger.js";
import type { JobCallback, JobRecord } from "../jobs/job-record.js";
import type { JobStore } from "../jobs/job-store.js";
import { parseJobResult } from "../jobs/job-result.js";
import type { WorkDelivery } from "../jobs/job-processor.js";
import { RetryLater } from "../jobs/work-consumer.js";
import type { ObjectStore } from "../storage/object-store.js";
import { objectKeys } from "../storage/storage-layout.js";
import { parseDeliveryMessage, type DeliveryMessage } from "./delivery-queue.js";
import { webhookPayload } from "./webhook-payload.js";
import type { WebhookSender } from "./webhook-sender.js";
import type { WebhookSettings } from "./webhook-settings.js";

/** The longest wait between two tries of one delivery. */
export const MAX_RETRY_WAIT_S = 3600;

/** A try that did not land and will be made again: its message comes back after the backoff. */
export class DeliveryRetry extends RetryLater {
  override readonly name = "DeliveryRetry";
}

/**
 * The wait before try `attempt + 1`: the base doubled each try, capped at an hour, with equal jitter (half
 * fixed, half random), so receivers that failed together are not all retried together.
 */
export function retryWaitS(attempt: number, baseS: number, random: () => number = Math.random): number {
  const cap = Math.min(MAX_RETRY_WAIT_S, baseS * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + random() * (cap / 2));
}

export interface DeliveryProcessorDeps {
  store: JobStore;
  objects: ObjectStore;
  send: WebhookSender;
  settings: Pick<WebhookSettings, "secret" | "tenantSecrets" | "maxAttempts" | "maxInlineBytes" | "publicBaseUrl">;
  logger: Logger;
  /** How long the job is held from deletion while a try is made (`holdMs` of a try's timeout). */
  holdMs: number;
  now?: () => Date;
}

/**
 * Makes one try of one delivery. Resolves when the delivery is over (delivered, refused for good with a
 * 410, out of tries, or nothing to deliver any more: the job was deleted); throws `DeliveryRetry` to have
 * the message come back for another try. The job's `callback` records every try.
 */
export function createDeliveryProcessor(deps: DeliveryProcessorDeps) {
  const now = deps.now ?? (() => new Date());

  /**
   * The result to inline, or only its stored size when it is too large to be (then it is not downloaded: a
   * 16 MiB captions job's result is about 50 MB, and four deliveries run at once).
   */
  async function resultOf(job: JobRecord, message: DeliveryMessage) {
    if (message.ending !== "completed") return undefined;
    const object = await deps.objects.open(objectKeys.result(job.tenantId, job.interactionId));
    if (object === undefined) return undefined;
    if (object.bytes > deps.settings.maxInlineBytes) {
      object.body.destroy();
      return { storedBytes: object.bytes };
    }
    return parseJobResult(await buffer(object.body));
  }

  return async function deliver(delivery: WorkDelivery): Promise<void> {
    const message = parseDeliveryMessage(delivery.body);
    if (message === undefined) {
      deps.logger.warn({ message_id: delivery.messageId }, "delivery message is not one of ours");
      throw new Error("unreadable delivery message");
    }
    const log = deps.logger.child({ interaction_id: message.job_id, webhook_id: message.webhook_id });
    const job = await deps.store.get(message.tenant_id, message.job_id);
    const callback = job?.callback;
    if (job === undefined || job.status === "deleted" || callback === undefined) {
      log.info({ status: job?.status ?? "missing" }, "webhook dropped: the job is gone, deleted or has no callback");
      return;
    }
    if (callback.status !== "pending") {
      log.info({ callback_status: callback.status }, "webhook already settled; message dropped");
      return;
    }
    const secret = deps.settings.tenantSecrets[job.tenantId] ?? deps.settings.secret;
    const attempt = delivery.receiveCount;
    const at = now();
    const record = (update: Partial<JobCallback>) =>
      deps.store.recordCallback(job.tenantId, job.interactionId, { ...callback, ...update });
    if (secret === undefined) {
      await record({ status: "failed", last_attempt_at: at.toISOString() });
      log.error({}, "webhook not sent: no signing secret for the tenant");
      return;
    }
    // Held while the try is made (recording it ends the hold): a deletion waits for it, so no callback follows one.
    if (!(await deps.store.hold(job.tenantId, job.interactionId, "callback", new Date(at.getTime() + deps.holdMs)))) {
      log.info({}, "webhook dropped: the job was deleted");
      return;
    }
    const body = webhookPayload({
      job: message.error === undefined ? job : { ...job, error: message.error },
      ending: message.ending,
      result: await resultOf(job, message),
      maxInlineBytes: deps.settings.maxInlineBytes,
      publicBaseUrl: deps.settings.publicBaseUrl,
      at,
    });
    const outcome = await deps.send({
      url: new URL(callback.url),
      id: message.webhook_id,
      timestamp: at,
      body,
      secret,
    });
    const tried = { attempts: attempt, last_status: outcome.status, last_attempt_at: at.toISOString() };
    const delivered = outcome.status !== null && outcome.status >= 200 && outcome.status < 300;
    const gone = outcome.status === 410;
    const outOfTries = attempt >= deps.settings.maxAttempts;
    const status = delivered ? "delivered" : gone || outOfTries ? "failed" : "pending";
    await record({ ...tried, status });
    log.info(
      {
        attempt,
        receiver_status: outcome.status,
        ...(outcome.status === null && { reason: outcome.reason }),
        callback_status: status,
        bytes: Buffer.byteLength(body),
      },
      delivered
        ? "webhook delivered"
        : status === "failed"
          ? "webhook failed for good"
          : "webhook try failed; retrying",
    );
    if (status === "pending") throw new DeliveryRetry(`try ${attempt} answered ${outcome.status ?? "nothing"}`);
  };
}

export type DeliveryProcessor = ReturnType<typeof createDeliveryProcessor>;
