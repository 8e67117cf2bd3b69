import { type ObjectStore } from "../storage/object-store.js";
import { StorageUnavailable } from "../domain/failures.js";
import type { Logger } from "../logger.js";
import type { RequestContext } from "../domain/request-context.js";
import type { DetectedInput } from "../upload/input-detection.js";
import type { TranscriptionOptions } from "../domain/transcription-options.js";
import type { JobRecord } from "./job-record.js";
import type { JobStore } from "./job-store.js";
import type { WorkQueue } from "./work-queue.js";

export interface JobSubmissionDeps {
  store: JobStore;
  queue: WorkQueue;
  objects: ObjectStore;
  /** How long a job's record is kept before DynamoDB's TTL removes it. */
  retentionS: number;
  now?: () => Date;
}

export interface AcceptedUpload {
  key: string;
  bytes: number;
  declaredType: string | undefined;
  detected: DetectedInput;
  /** How the worker is to transcribe it: the request's options (absent: the operator's defaults). */
  options?: TranscriptionOptions | undefined;
  /** Where to call back when the job ends (checked already). */
  callbackUrl?: string | undefined;
  /** The request's `Idempotency-Key`, so deleting the job removes its recorded answer too. */
  idempotencyKey?: string | undefined;
}

/**
 * Turns a stored upload into a queued job: the record first, then the work message. Nothing is left
 * half-done: if the record cannot be written the object is removed; if the message cannot be sent the
 * record and the object are. Either failure is `StorageUnavailable` (503).
 */
export function createJobSubmission(deps: JobSubmissionDeps) {
  const now = deps.now ?? (() => new Date());
  /** Undoing a step can fail too: that leaves an orphan for the bucket's lifecycle or the table's TTL to remove, and a log line. */
  const undo = (log: Logger, what: string, step: Promise<unknown>) =>
    step.catch((error: unknown) =>
      log.error({ err: error, left_behind: what }, "could not undo a half-done submission"),
    );
  return async function submit(context: RequestContext, upload: AcceptedUpload, log: Logger): Promise<JobRecord> {
    const at = now();
    const job: JobRecord = {
      tenantId: context.tenantId,
      interactionId: context.interactionId,
      userId: context.userId,
      accountId: context.accountId,
      status: "queued",
      createdAt: at.toISOString(),
      updatedAt: at.toISOString(),
      attempts: 0,
      uploadKey: upload.key,
      uploadBytes: upload.bytes,
      ...(upload.declaredType !== undefined && { declaredType: upload.declaredType }),
      detected: upload.detected,
      ...(upload.options !== undefined && { options: upload.options }),
      ...(upload.callbackUrl !== undefined && {
        callback: { url: upload.callbackUrl, status: "pending" as const, attempts: 0 },
      }),
      ...(upload.idempotencyKey !== undefined && { idempotencyKey: upload.idempotencyKey }),
      expiresAt: Math.floor(at.getTime() / 1000) + deps.retentionS,
    };
    try {
      await deps.store.create(job);
    } catch (error) {
      log.error({ err: error }, "job record not written; upload removed");
      await undo(log, "upload", deps.objects.delete(upload.key));
      throw new StorageUnavailable("The job table", { cause: error });
    }
    try {
      await deps.queue.send({ version: 1, tenant_id: job.tenantId, job_id: job.interactionId });
    } catch (error) {
      log.error({ err: error }, "work message not sent; job withdrawn and upload removed");
      await undo(log, "job record", deps.store.withdraw(job.tenantId, job.interactionId));
      await undo(log, "upload", deps.objects.delete(upload.key));
      throw new StorageUnavailable("The work queue", { cause: error });
    }
    log.debug({ job_id: job.interactionId, bytes: upload.bytes, input: upload.detected.kind }, "job queued");
    return job;
  };
}

export type JobSubmission = ReturnType<typeof createJobSubmission>;
