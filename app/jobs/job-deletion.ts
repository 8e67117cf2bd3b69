import type { IdempotencyStore } from "../idempotency/idempotency-store.js";
import type { Logger } from "../logger.js";
import type { RequestContext } from "../domain/request-context.js";
import type { ObjectStore } from "../storage/object-store.js";
import { objectKeys } from "../storage/storage-layout.js";
import type { JobStore } from "./job-store.js";

export interface JobDeletionDeps {
  store: JobStore;
  objects: ObjectStore;
  /** Where the job's `Idempotency-Key` answer is kept, if the request had one. */
  idempotency?: IdempotencyStore | undefined;
  now?: () => Date;
}

/**
 * Forgets a job of the caller's tenant: its record becomes a tombstone first (so a running worker stops
 * short of completing it, and publishes and calls back nothing), then its upload, result, claim-checked
 * transcripts and recorded `Idempotency-Key` answer are removed. Resolves whether there was such a job. An
 * audit line says who deleted what; never any of the job's text.
 */
export function createJobDeletion(deps: JobDeletionDeps) {
  const now = deps.now ?? (() => new Date());
  return async function deleteJob(context: RequestContext, jobId: string, log: Logger): Promise<boolean> {
    const job = await deps.store.tombstone(context.tenantId, jobId, now());
    if (job === undefined) return false;
    await Promise.all([
      deps.objects.delete(job.uploadKey),
      deps.objects.delete(objectKeys.result(job.tenantId, job.interactionId)),
      deps.objects.delete(objectKeys.transcripts(job.tenantId, job.interactionId)),
      job.idempotencyKey === undefined ? undefined : deps.idempotency?.forget(job.tenantId, job.idempotencyKey),
    ]);
    log.info(
      {
        audit: "job_deleted",
        job_id: job.interactionId,
        tenant_id: context.tenantId,
        user_id: context.userId,
        account_id: context.accountId,
        job_status: job.status,
      },
      "job deleted",
    );
    return true;
  };
}

export type JobDeletion = ReturnType<typeof createJobDeletion>;
