import { type Context } from "hono";
import type { Logger } from "../../logger.js";
import type { IdentifiedEnv } from "../server/app-env.js";
import { JobResponse, type JobSummary } from "../contract/api-schemas.js";
import { ApiError } from "../contract/problem.js";
import { type Idempotency } from "./idempotency.js";
import { isVisible, type VisibleJob } from "../../jobs/job-record.js";
import type { AsyncJobs } from "../../jobs/async-jobs.js";
import { acceptInput } from "../../pipeline/batch-job.js";
import { objectKeys } from "../../storage/storage-layout.js";
import { StorageUnavailable } from "../../domain/failures.js";
import { detectInputFromHead, type DetectedInput } from "../../upload/input-detection.js";
import { acceptUpload, claimOf } from "./upload-acceptance.js";
import { objectStoreSink } from "../../upload/upload-sink.js";
import type { TranscriptionOptions } from "../../domain/transcription-options.js";
import { refuseForCaptions, type OptionPolicy } from "../../transcription/requested-options.js";
import { transcriptionOptionsOf } from "./transcription-query.js";
import type { MinUploadRate } from "./arrival-watch.js";
import { CallbackRefused, checkCallbackUrl } from "../../webhooks/callback-url.js";

export interface JobRouteDeps {
  jobs: AsyncJobs;
  optionPolicy: OptionPolicy;
  /** What a `callback_url` may be, and the settings webhooks still miss. */
  webhooks: { allowPrivate: boolean; missing: string[] };
  /** Refuses what an upload's first bytes already prove unacceptable, before the rest is read. */
  screen?:
    ((head: Buffer, log: Logger, options: TranscriptionOptions) => Promise<DetectedInput | undefined>) | undefined;
  /** `Idempotency-Key` records, for both POST routes; absent: the header is read and ignored. */
  idempotency?: Idempotency | undefined;
  maxUploadBytes: number;
  maxCaptionsBytes: number;
  uploadIdleTimeoutMs: number;
  minUploadRate?: MinUploadRate | undefined;
}

export function available(jobs: AsyncJobs): Extract<AsyncJobs, { available: true }> {
  if (jobs.available) return jobs;
  throw new ApiError(
    "async_unavailable",
    `Async jobs are not configured: set ${jobs.missing.join(", ")}. POST /batch/process works without them.`,
    {
      missing: jobs.missing,
    },
  );
}

/** Storage that fails under a read is the service's problem for now, not the client's: 503. */
export async function fromStorage<T>(what: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new StorageUnavailable(what, { cause: error });
  }
}

/**
 * Streams the upload to the bucket under the tenant, checks it as the synchronous path would (the same
 * limits; the kind read from its first bytes), and queues the job: 202 with `Location`. Shared by
 * `POST /batch/jobs` and `POST /batch/process` with `Prefer: respond-async`.
 */
export async function submitJob(c: Context<IdentifiedEnv>, deps: JobRouteDeps): Promise<Response> {
  const jobs = available(deps.jobs);
  const { context, log } = c.var;
  log.debug(
    { tenant_id: context.tenantId, user_id: context.userId, account_id: context.accountId },
    "job submission started",
  );
  const options = transcriptionOptionsOf(c, deps.optionPolicy);
  const callbackUrl = callbackUrlOf(c, deps.webhooks);
  const key = objectKeys.upload(context.tenantId, context.interactionId);
  const sink = objectStoreSink(jobs.objects, key);
  const { screen } = deps;
  const claim = claimOf(c, deps.idempotency);
  return acceptUpload(c, {
    endpoint: "POST /batch/jobs",
    claim,
    asked: callbackUrl === undefined ? options : { options, callback_url: callbackUrl },
    sink,
    maxBytes: deps.maxUploadBytes,
    idleTimeoutMs: deps.uploadIdleTimeoutMs,
    minRate: deps.minUploadRate,
    signal: c.req.raw.signal,
    screen: screen && ((head) => screen(head, log, options)),
    discardDuplicate: () => sink.discard(),
    respond: ({ status, body, headers }) => c.json(body, status, headers),
    async answer(upload, screened) {
      const detected = screened ?? (await detectInputFromHead(upload.stored.head));
      log.debug({ bytes: upload.bytes, declared_type: upload.declaredType, input: detected.kind }, "upload stored");
      try {
        acceptInput(detected, upload.bytes, deps.maxCaptionsBytes);
        if (detected.kind === "captions") refuseForCaptions(options);
      } catch (error) {
        // Refused before it became a job: nothing is kept, and no event is due.
        await sink.discard();
        throw error;
      }
      const job = await jobs.submit(
        context,
        {
          key,
          bytes: upload.bytes,
          declaredType: upload.declaredType,
          detected,
          options,
          ...(callbackUrl !== undefined && { callbackUrl }),
          ...(claim !== undefined && { idempotencyKey: claim.key }),
        },
        log,
      );
      c.set("outcome", { bytes: upload.bytes, source: detected.kind });
      if (!isVisible(job)) throw new StorageUnavailable("The job table");
      const answer: JobResponse = summary(job);
      return { status: 202, body: answer, headers: { Location: `/batch/jobs/${job.interactionId}` } };
    },
  });
}

/** A job as the API lists it. */
export function summary(job: VisibleJob): JobSummary {
  return {
    interaction_id: job.interactionId,
    tenant_id: job.tenantId,
    status: job.status,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    ...(job.startedAt !== undefined && { started_at: job.startedAt }),
    ...(job.finishedAt !== undefined && { finished_at: job.finishedAt }),
    attempts: job.attempts,
    bytes: job.uploadBytes,
    ...(job.error !== undefined && { error: job.error }),
    ...(job.callback !== undefined && { callback: job.callback }),
  };
}

/**
 * The request's `callback_url`, checked before the body is read: refused (400 `invalid_callback`) when the
 * service will not call it, 503 `webhooks_unavailable` when this instance cannot call back at all.
 */
export function callbackUrlOf(
  c: Context<IdentifiedEnv>,
  webhooks: { allowPrivate: boolean; missing: string[] },
): string | undefined {
  const given = c.req.queries("callback_url");
  if (given === undefined) return undefined;
  if (given.length > 1) throw new ApiError("invalid_callback", "callback_url may be given once.");
  try {
    const url = checkCallbackUrl(given[0] ?? "", webhooks.allowPrivate).href;
    if (webhooks.missing.length > 0) {
      throw new ApiError(
        "webhooks_unavailable",
        `Webhooks are not configured: set ${webhooks.missing.join(", ")}. Poll GET /batch/jobs/{id} instead.`,
        { missing: webhooks.missing },
      );
    }
    return url;
  } catch (error) {
    if (error instanceof CallbackRefused) throw new ApiError("invalid_callback", error.message, {}, { cause: error });
    throw error;
  }
}
