import type { FailureCode } from "../domain/failures.js";
import type { RequestContext } from "../domain/request-context.js";
import type { FailureStage } from "../events/batch-processing-failed.js";
import type { DetectedInput } from "../upload/input-detection.js";
import type { TranscriptionOptions } from "../domain/transcription-options.js";

/** A job moves only forward: queued → processing → completed | failed; any of them → deleted (a tombstone). */
export const JOB_STATUSES = ["queued", "processing", "completed", "failed", "deleted"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** The statuses a client sees: a deleted job is not there for it. */
export const VISIBLE_JOB_STATUSES = ["queued", "processing", "completed", "failed"] as const;
export type VisibleJob = JobRecord & { status: (typeof VISIBLE_JOB_STATUSES)[number] };
export const isVisible = (job: JobRecord): job is VisibleJob => job.status !== "deleted";

export const CALLBACK_STATUSES = ["pending", "delivered", "failed"] as const;
export type CallbackStatus = (typeof CALLBACK_STATUSES)[number];

/** A job's callback: where it goes, and what became of its delivery so far. */
export interface JobCallback {
  url: string;
  status: CallbackStatus;
  attempts: number;
  /** The receiver's last HTTP status; null when the try got no answer (refused, timed out). */
  last_status?: number | null;
  last_attempt_at?: string;
}

export interface JobError {
  code: FailureCode;
  message: string;
  stage: FailureStage;
}

/** One async job, as the code speaks of it. A job is an interaction: its id is the submitting request's. */
export interface JobRecord {
  tenantId: string;
  interactionId: string;
  userId: string;
  accountId: string | null;
  status: JobStatus;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Times a worker has claimed the job; also the token that lets only the latest claim move it on. */
  attempts: number;
  uploadKey: string;
  uploadBytes: number;
  declaredType?: string;
  /** What the upload was found to be at submission: workers do not fetch it again to look. */
  detected: DetectedInput;
  /** How the request asked for it to be transcribed; absent on jobs queued before requests had options. */
  options?: TranscriptionOptions;
  /** Where the service calls back when the job ends. */
  callback?: JobCallback;
  /** The request's `Idempotency-Key`, so deleting the job also removes the recorded answer. */
  idempotencyKey?: string;
  resultKey?: string;
  error?: JobError;
  /** Failed, and its `BatchProcessingFailed` not yet published: the dead-letter consumer publishes it. */
  failureEventPending?: boolean;
  /** A worker is publishing the job's event until then (ISO time): a deletion waits for it, so no event follows one. */
  publishingUntil?: string;
  /** A worker is calling the job's callback until then (ISO time): a deletion waits for it too. */
  callingBackUntil?: string;
  /** Epoch seconds after which DynamoDB's TTL deletes the item. */
  expiresAt: number;
}

/** What a job's recording is transcribed with: nothing for captions, which no provider is asked about. */
export const askedOf = (job: JobRecord): TranscriptionOptions | null =>
  job.detected.kind === "audio" ? (job.options ?? null) : null;

/** Who a job is for, as the pipeline speaks of a request: the job is the submitting request's interaction. */
export const contextOf = (job: JobRecord): RequestContext => ({
  tenantId: job.tenantId,
  userId: job.userId,
  accountId: job.accountId,
  interactionId: job.interactionId,
});

/**
 * The job as one item of the jobs table, keyed by tenant then id, so every read is tenant-scoped. Its
 * attribute names are the table's (snake_case, as the infrastructure and existing items have them).
 */
export interface JobItem {
  tenant_id: string;
  job_id: string;
  user_id: string;
  account_id: string | null;
  status: JobStatus;
  created_at: string;
  updated_at: string;
  started_at?: string;
  finished_at?: string;
  attempts: number;
  upload_key: string;
  upload_bytes: number;
  declared_type?: string;
  detected: DetectedInput;
  options?: TranscriptionOptions;
  callback?: JobCallback;
  idempotency_key?: string;
  result_key?: string;
  error?: JobError;
  failure_event_pending?: boolean;
  publishing_until?: string;
  calling_back_until?: string;
  expires_at: number;
}

export function toJobItem(job: JobRecord): JobItem {
  return {
    tenant_id: job.tenantId,
    job_id: job.interactionId,
    user_id: job.userId,
    account_id: job.accountId,
    status: job.status,
    created_at: job.createdAt,
    updated_at: job.updatedAt,
    ...(job.startedAt !== undefined && { started_at: job.startedAt }),
    ...(job.finishedAt !== undefined && { finished_at: job.finishedAt }),
    attempts: job.attempts,
    upload_key: job.uploadKey,
    upload_bytes: job.uploadBytes,
    ...(job.declaredType !== undefined && { declared_type: job.declaredType }),
    detected: job.detected,
    ...(job.options !== undefined && { options: job.options }),
    ...(job.callback !== undefined && { callback: job.callback }),
    ...(job.idempotencyKey !== undefined && { idempotency_key: job.idempotencyKey }),
    ...(job.resultKey !== undefined && { result_key: job.resultKey }),
    ...(job.error !== undefined && { error: job.error }),
    ...(job.failureEventPending === true && { failure_event_pending: true }),
    ...(job.publishingUntil !== undefined && { publishing_until: job.publishingUntil }),
    ...(job.callingBackUntil !== undefined && { calling_back_until: job.callingBackUntil }),
    expires_at: job.expiresAt,
  };
}

export function fromJobItem(item: JobItem): JobRecord {
  return {
    tenantId: item.tenant_id,
    interactionId: item.job_id,
    userId: item.user_id,
    accountId: item.account_id,
    status: item.status,
    createdAt: item.created_at,
    updatedAt: item.updated_at,
    ...(item.started_at !== undefined && { startedAt: item.started_at }),
    ...(item.finished_at !== undefined && { finishedAt: item.finished_at }),
    attempts: item.attempts,
    uploadKey: item.upload_key,
    uploadBytes: item.upload_bytes,
    ...(item.declared_type !== undefined && { declaredType: item.declared_type }),
    detected: item.detected,
    ...(item.options !== undefined && { options: item.options }),
    ...(item.callback !== undefined && { callback: item.callback }),
    ...(item.idempotency_key !== undefined && { idempotencyKey: item.idempotency_key }),
    ...(item.result_key !== undefined && { resultKey: item.result_key }),
    ...(item.error !== undefined && { error: item.error }),
    ...(item.failure_event_pending === true && { failureEventPending: true }),
    ...(item.publishing_until !== undefined && { publishingUntil: item.publishing_until }),
    ...(item.calling_back_until !== undefined && { callingBackUntil: item.calling_back_until }),
    expiresAt: item.expires_at,
  };
}

/** The work message: which job, nothing else (the record holds the rest). */
export interface WorkMessage {
  version: 1;
  tenant_id: string;
  job_id: string;
}
