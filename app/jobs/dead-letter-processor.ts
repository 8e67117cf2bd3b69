import { ProcessingFailed } from "../domain/failures.js";
import type { Logger } from "../logger.js";
import type { BatchPipeline } from "../pipeline/batch-pipeline.js";
import { queueCallback, type DeliveryQueue } from "../webhooks/delivery-queue.js";
import type { WorkDelivery } from "./job-processor.js";
import { askedOf, contextOf, type JobError, type JobRecord } from "./job-record.js";
import type { JobStore } from "./job-store.js";
import { parseWorkMessage } from "./work-queue.js";

export interface DeadLetterProcessorDeps {
  store: JobStore;
  pipeline: Pick<BatchPipeline, "publishFailed">;
  deliveries?: DeliveryQueue | undefined;
  logger: Logger;
  /** How long a job is held from deletion while its event is published (`holdMs` of the publish budget). */
  publishingHoldMs: number;
  now?: () => Date;
}

/**
 * Ends the jobs whose work messages were dead-lettered: a job still `queued` or `processing` (its worker
 * died on every receive, as an out-of-memory kill does) is marked failed with `processing_failed`, its
 * `BatchProcessingFailed` published and its callback queued. A job that finished meanwhile is left alone
 * (the write is conditional). A job failed with its event still pending (the process that failed it was
 * killed before publishing: this consumer on an earlier delivery, or a worker giving up on its last
 * receive) gets its event published now. Resolves when the dead letter is done with.
 */
export function createDeadLetterProcessor(deps: DeadLetterProcessorDeps) {
  const now = deps.now ?? (() => new Date());
  const holdUntil = () => new Date(now().getTime() + deps.publishingHoldMs);
  return async function endDeadLetteredJob(delivery: WorkDelivery): Promise<void> {
    const message = parseWorkMessage(delivery.body);
    if (message === undefined) {
      deps.logger.error(
        { message_id: delivery.messageId, bytes: delivery.body?.length ?? 0 },
        "dead letter is not a work message; dropped",
      );
      return;
    }
    const log = deps.logger.child({ interaction_id: message.job_id, dead_letter: true });
    const job = await deps.store.get(message.tenant_id, message.job_id);
    if (job?.status === "failed" && job.failureEventPending === true) {
      // Held first: a deletion since the read wins, and publishes nothing.
      if (!(await deps.store.hold(job.tenantId, job.interactionId, "event", holdUntil()))) {
        log.info({}, "failed job deleted meanwhile; its event is not published");
        return;
      }
      log.warn({ attempts: job.attempts }, "failed job's event was never published; publishing it now");
      await publishFailure(job, log);
      return;
    }
    if (job === undefined || (job.status !== "queued" && job.status !== "processing")) {
      log.info({ status: job?.status ?? "missing" }, "dead-lettered job already ended; nothing to do");
      return;
    }
    const error = new ProcessingFailed(job.attempts);
    const failure: JobError = { code: error.code, message: error.message, stage: "processing" };
    await queueCallback(deps.deliveries, job, "failed", failure);
    if (!(await deps.store.fail(job.tenantId, job.interactionId, failure, now(), { publishingUntil: holdUntil() }))) {
      log.info({}, "dead-lettered job ended meanwhile; left as it is");
      return;
    }
    log.error({ attempts: job.attempts }, "job's work message was dead-lettered: job failed");
    await publishFailure(job, log);
  };

  /** The job is failed either way; the publisher has retried within its budget, and says what became of it. */
  async function publishFailure(job: JobRecord, log: Logger): Promise<void> {
    await deps.pipeline.publishFailed(
      { context: contextOf(job), log },
      new ProcessingFailed(job.attempts),
      "processing",
      askedOf(job),
    );
    await deps.store.failureEventSettled(job.tenantId, job.interactionId);
  }
}
