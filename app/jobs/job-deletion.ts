import type { IdempotencyStore } from "../idempotency/idempotency-store.js";
import type { Logger } from "../logger.js";
import type { RequestContext } from "../domain/request-context.js";
import type { ObjectStore } from "../storage/object-store.js";
import { objectKeys } from "../storage/storage-layout.js";
import { setTimeout as sleep } from "node:timers/promises";
import type { JobRecord } from "./job-record.js";
import type { JobStore } from "./job-store.js";

/** How often a deletion looks again at a job whose event or callback is being sent (a round trip or two). */
const HELD_POLL_MS = 100;

export interface JobDeletionDeps {
  store: JobStore;
  objects: ObjectStore;
  /** Where the job's `Idempotency-Key` answer is kept, if the request had one. */
  idempotency?: IdempotencyStore | undefined;
  /** The longest a job is held while its event or callback is sent (`holdMs`): a deletion waits no longer. */
  maxHoldMs: number;
  now?: () => Date;
}

/**
 * Forgets a job of the caller's tenant: its record becomes a tombstone first (so a running worker stops
 * short of completing it, and publishes and calls back nothing), then its upload, result, claim-checked
 * transcripts and recorded `Idempotency-Key` answer are removed. Resolves whether there was such a job. An
 * audit line says who deleted what; never any of the job's text.
 *
 * A job whose event or callback a worker is sending at that moment is held: the deletion waits until the
 * worker has recorded it (at most the hold, which a dead worker's lapses), so nothing of the job is sent
 * after its deletion.
 */
export function createJobDeletion(deps: JobDeletionDeps) {
  const now = deps.now ?? (() => new Date());

  async function tombstone(tenantId: string, jobId: string, log: Logger): Promise<JobRecord | undefined> {
    const giveUpAt = performance.now() + deps.maxHoldMs;
    for (;;) {
      const at = now();
      const outcome = await deps.store.tombstone(tenantId, jobId, at, { force: performance.now() >= giveUpAt });
      if (outcome === undefined || "deleted" in outcome) return outcome?.deleted;
      log.debug(
        { job_id: jobId, held_until: outcome.heldUntil },
        "job's event or callback is being sent; deletion waits",
      );
      const heldMs = Date.parse(outcome.heldUntil) - at.getTime();
      const waitMs = Math.min(
        HELD_POLL_MS,
        Number.isFinite(heldMs) ? heldMs : HELD_POLL_MS,
        giveUpAt - performance.now(),
      );
      await sleep(Math.max(1, waitMs));
    }
  }

  return async function deleteJob(context: RequestContext, jobId: string, log: Logger): Promise<boolean> {
    const job = await tombstone(context.tenantId, jobId, log);
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
