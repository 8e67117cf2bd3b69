import { isFinalFailure, ProcessingFailed } from "../domain/failures.js";
import type { Logger } from "../logger.js";
import type { BatchPipeline } from "../pipeline/batch-pipeline.js";
import type { PipelineUpload, Transcripts } from "../pipeline/batch-job.js";
import type { RequestContext } from "../domain/request-context.js";
import { type ObjectStore } from "../storage/object-store.js";
import { objectKeys } from "../storage/storage-layout.js";
import type { TempFiles } from "../upload/temp-files.js";
import { askedOf, contextOf, type JobError, type JobRecord } from "./job-record.js";
import { fromJobResult, parseJobResult, toJobResult } from "./job-result.js";
import type { JobStore } from "./job-store.js";
import { parseWorkMessage } from "./work-queue.js";
import { queueCallback, type DeliveryQueue, type JobEnding } from "../webhooks/delivery-queue.js";

export interface JobProcessorDeps {
  store: JobStore;
  objects: ObjectStore;
  pipeline: BatchPipeline;
  tempFiles: TempFiles;
  logger: Logger;
  /** The work queue's redrive `maxReceiveCount`: on the last receive a job that still fails is marked failed. */
  maxReceives: number;
  /** How long the presigned URL a provider fetches the upload from stays valid. */
  presignExpiresS: number;
  /** Where a job's ending goes to be called back, for jobs that asked; absent: no webhooks configured. */
  deliveries?: DeliveryQueue | undefined;
  /** How long a job is held from deletion while its event is published (`holdMs` of the publish budget). */
  publishingHoldMs: number;
  now?: () => Date;
}

export interface WorkDelivery {
  body: string | undefined;
  messageId: string | undefined;
  receiveCount: number;
  signal?: AbortSignal | undefined;
}

/** The job was deleted while it ran, before any event of it was published. */
const DELETED = "deleted";

/** The event could not be published: the job stays unfinished and its message is delivered again. */
export class EventNotPublished extends Error {
  override readonly name = "EventNotPublished";
}

/**
 * Processes one work message. Resolves when the message is done with (delete it); throws to have it
 * delivered again. The order makes a crash at any point safe: the result is written, then the event
 * published, then the job marked completed; a redelivery finds the result and publishes again, so an
 * event can be duplicated (consumers de-duplicate by `interaction_id` and status) but never lost. Every
 * event is published under a hold on the record that a deletion waits for, so none follows a deletion.
 */
export function createJobProcessor(deps: JobProcessorDeps) {
  const now = deps.now ?? (() => new Date());

  /** Queues the job's callback before its final state is written, so a crash between them cannot lose it. */
  const callBack = (job: JobRecord, ending: JobEnding, error?: JobError) =>
    queueCallback(deps.deliveries, job, ending, error);

  const holdUntil = () => new Date(now().getTime() + deps.publishingHoldMs);
  /** Holds the job from deletion while its event is published: false when it was deleted already. */
  const holdForPublishing = (job: JobRecord) => deps.store.hold(job.tenantId, job.interactionId, "event", holdUntil());

  /** Whether the job was deleted while it ran: then nothing more is done, and what it wrote is removed. */
  async function deletedMeanwhile(job: JobRecord, log: Logger): Promise<boolean> {
    const current = await deps.store.get(job.tenantId, job.interactionId);
    if (current !== undefined && current.status !== "deleted") return false;
    await removeWritten(job, log);
    return true;
  }

  /** What a job deleted while it ran had written: its result and claim-checked transcripts. */
  async function removeWritten(job: JobRecord, log: Logger): Promise<void> {
    await Promise.all(
      [objectKeys.result(job.tenantId, job.interactionId), objectKeys.transcripts(job.tenantId, job.interactionId)].map(
        (key) => deps.objects.delete(key),
      ),
    );
    log.info({}, "job deleted while it ran: nothing published, its objects removed");
  }

  /** The upload as the pipeline reads it: a presigned URL for a provider that fetches, else a local copy. */
  function storedUpload(job: JobRecord, signal: AbortSignal | undefined, downloaded: string[]): PipelineUpload {
    let local: Promise<string> | undefined;
    return {
      bytes: job.uploadBytes,
      declaredType: job.declaredType,
      detected: job.detected,
      localPath: () =>
        (local ??= (async () => {
          const path = deps.tempFiles.create(job.interactionId);
          downloaded.push(path);
          const bytes = await deps.objects.download(job.uploadKey, path, signal);
          // Its retention ran out (or it was removed) while the message waited: nothing is left to transcribe.
          if (bytes === undefined)
            throw new Error(`The upload of job ${job.interactionId} is no longer in the bucket.`);
          return path;
        })()),
      remoteUrl: () => deps.objects.presignGet(job.uploadKey, deps.presignExpiresS),
    };
  }

  async function transcripts(
    job: JobRecord,
    context: RequestContext,
    log: Logger,
    signal: AbortSignal | undefined,
  ): Promise<Transcripts | JobError | typeof DELETED> {
    const resultKey = objectKeys.result(job.tenantId, job.interactionId);
    const earlier = await deps.objects.getBytes(resultKey, signal);
    if (earlier !== undefined) {
      log.info({ result_bytes: earlier.length }, "result found from an earlier attempt; not transcribing again");
      return fromJobResult(parseJobResult(earlier));
    }
    const downloaded: string[] = [];
    let failure: JobError | undefined;
    let withheld = false;
    try {
      const produced = await deps.pipeline.transcribeAndClean({
        context,
        upload: storedUpload(job, signal, downloaded),
        options: job.options,
        log,
        signal,
        mayPublishFailure: async () => {
          withheld = !(await holdForPublishing(job));
          return !withheld;
        },
        onFailure: ({ error, stage, event }) => {
          if (event.status === "failed")
            throw new EventNotPublished(`BatchProcessingFailed not published: ${event.error}`);
          failure = { code: error.code, message: error.message, stage };
        },
      });
      await deps.objects.putJson(resultKey, toJobResult(produced));
      return produced;
    } catch (error) {
      if (isFinalFailure(error) && withheld) return DELETED;
      if (isFinalFailure(error) && failure !== undefined) return failure;
      throw error;
    } finally {
      await Promise.all(downloaded.map((path) => deps.tempFiles.release(path)));
    }
  }

  /** The last receive failed for a reason of ours: the job is failed, with its event, before the message dead-letters. */
  async function giveUp(job: JobRecord, context: RequestContext, log: Logger, cause: unknown): Promise<void> {
    const error = new ProcessingFailed(job.attempts);
    log.error({ err: cause, attempts: job.attempts }, "job failed on its last delivery; marking it failed");
    const failure: JobError = { code: error.code, message: error.message, stage: "processing" };
    if ((await deps.store.get(job.tenantId, job.interactionId))?.status === "deleted") return;
    await callBack(job, "failed", failure);
    if (await deps.store.fail(job.tenantId, job.interactionId, failure, now(), { publishingUntil: holdUntil() })) {
      await deps.pipeline.publishFailed({ context, log }, error, "processing", askedOf(job));
      await deps.store.failureEventSettled(job.tenantId, job.interactionId);
    }
  }

  return async function process(delivery: WorkDelivery): Promise<void> {
    const message = parseWorkMessage(delivery.body);
    if (message === undefined) {
      // Left on the queue: the redrive policy moves it to the DLQ for an operator to look at.
      deps.logger.warn(
        { message_id: delivery.messageId, receive_count: delivery.receiveCount },
        "work message is not one of ours",
      );
      throw new Error("unreadable work message");
    }
    const log = deps.logger.child({ interaction_id: message.job_id, receive_count: delivery.receiveCount });
    const job = await deps.store.claim(message.tenant_id, message.job_id, now());
    if (job === undefined) {
      const current = await deps.store.get(message.tenant_id, message.job_id);
      log.info({ status: current?.status ?? "missing" }, "job already finished or gone; message dropped");
      return;
    }
    const context = contextOf(job);
    log.debug({ attempt: job.attempts, bytes: job.uploadBytes, input: job.detected.kind }, "job started");
    try {
      const outcome = await transcripts(job, context, log, delivery.signal);
      if (outcome === DELETED) return await removeWritten(job, log);
      if (!("raw" in outcome)) {
        // Its event is out, published under the hold the pipeline asked for; this write ends the hold.
        await callBack(job, "failed", outcome);
        const marked = await deps.store.fail(job.tenantId, job.interactionId, outcome, now(), {
          attempt: job.attempts,
        });
        log.info({ code: outcome.code, stage: outcome.stage, marked }, "job failed");
        return;
      }
      if (!(await holdForPublishing(job))) return await removeWritten(job, log);
      const event = await deps.pipeline.publishCompleted({ context, log }, outcome);
      if (event.status === "failed")
        throw new EventNotPublished(`BatchProcessingCompleted not published: ${event.error}`);
      await callBack(job, "completed");
      const marked = await deps.store.complete(
        job.tenantId,
        job.interactionId,
        job.attempts,
        objectKeys.result(job.tenantId, job.interactionId),
        now(),
      );
      if (!marked && (await deletedMeanwhile(job, log))) return;
      log.info(
        { marked, event_status: event.status },
        marked ? "job completed" : "job completed by a newer claim; leaving its state",
      );
    } catch (error) {
      if (delivery.signal?.aborted !== true && delivery.receiveCount >= deps.maxReceives)
        await giveUp(job, context, log, error);
      throw error;
    }
  };
}

export type JobProcessor = ReturnType<typeof createJobProcessor>;
