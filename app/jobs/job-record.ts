import type { FailureCode } from "../domain/failures.js";
import type { FailureStage } from "../events/batch-processing-failed.js";
import type { DetectedInput } from "../upload/input-detection.js";

/** A job moves only forward: queued → processing → completed | failed. */
export const JOB_STATUSES = ["queued", "processing", "completed", "failed"] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobError {
  code: FailureCode;
  message: string;
  stage: FailureStage;
}

/** One async job: one item in the jobs table, keyed by tenant then id, so every read is tenant-scoped. */
export interface JobRecord {
  tenant_id: string;
  /** The submitting request's interaction id. */
  job_id: string;
  user_id: string;
  account_id: string | null;
  status: JobStatus;
  created_at: string;
  updated_at: string;
  started_at?: string;
  finished_at?: string;
  /** Times a worker has claimed the job; also the token that lets only the latest claim move it on. */
  attempts: number;
  upload_key: string;
  upload_bytes: number;
  declared_type?: string;
  /** What the upload was found to be at submission: workers do not fetch it again to look. */
  detected: DetectedInput;
  result_key?: string;
  error?: JobError;
  /** Epoch seconds after which DynamoDB's TTL deletes the item. */
  expires_at: number;
}

/** The work message: which job, nothing else (the record holds the rest). */
export interface WorkMessage {
  version: 1;
  tenant_id: string;
  job_id: string;
}
