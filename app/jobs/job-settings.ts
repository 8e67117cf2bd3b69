import * as v from "valibot";
import { integer, optionalText, settings } from "../env/env-values.js";
import { DEFAULT_RETENTION_DAYS } from "../storage/storage-layout.js";

const TABLE_NAME = v.regex<string, string>(/^[A-Za-z0-9_.-]{3,255}$/, "must be a DynamoDB table name");

/** Async jobs: where uploads go, the work queue, the jobs table, and how a worker runs them. */
export const jobSettings = settings(
  {
    UPLOAD_BUCKET: optionalText(
      {
        meaning:
          "async jobs: the bucket for uploads, results and claim-checked transcripts (stack output `uploadBucketName`); also enables the claim check on the sync path",
      },
      v.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
    ),
    WORK_QUEUE_URL: optionalText(
      { meaning: "async jobs: the work queue (`workQueueUrl`)" },
      v.url("must be an absolute URL"),
    ),
    WORK_DLQ_URL: optionalText(
      {
        meaning:
          "the work queue's DLQ (`workDlqUrl`): workers end the jobs dead-lettered there as failed; unset: they stay for an operator",
      },
      v.url("must be an absolute URL"),
    ),
    JOBS_TABLE: optionalText({ meaning: "async jobs: the jobs table (`jobsTableName`)" }, TABLE_NAME),
    JOB_RETENTION_DAYS: integer(
      DEFAULT_RETENTION_DAYS.results,
      { min: 1, max: 3650 },
      {
        meaning:
          "how long a job record is kept (DynamoDB TTL), in days: as long as its result (the stack's `resultRetentionDays`)",
      },
    ),
    CURSOR_SIGNING_KEY: optionalText(
      {
        meaning:
          "signs job-list cursors (at least 32 characters), the same on every API instance; unset: each process signs with its own",
        secret: true,
      },
      v.minLength(32, "must be at least 32 characters"),
    ),
    WORKER_CONCURRENCY: integer(4, { min: 1, max: 256 }, { meaning: "jobs one worker process runs at once" }),
    WORKER_VISIBILITY_TIMEOUT_S: integer(
      120,
      { min: 3, max: 43_200 },
      {
        meaning:
          "how long a received work message stays hidden; the worker's heartbeat extends it every third of that while the job runs",
      },
    ),
    WORKER_RETRY_DELAY_S: integer(
      30,
      { min: 0, max: 43_200 },
      { meaning: "how soon a job that failed for a reason of ours is tried again" },
    ),
  },
  (env) => ({
    jobs: {
      uploadBucket: env.UPLOAD_BUCKET,
      workQueueUrl: env.WORK_QUEUE_URL,
      workDlqUrl: env.WORK_DLQ_URL,
      jobsTable: env.JOBS_TABLE,
      retentionDays: env.JOB_RETENTION_DAYS,
      cursorSigningKey: env.CURSOR_SIGNING_KEY,
    },
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      visibilityTimeoutS: env.WORKER_VISIBILITY_TIMEOUT_S,
      retryDelayS: env.WORKER_RETRY_DELAY_S,
    },
  }),
);
export type JobSettings = ReturnType<typeof jobSettings.read>["jobs"];
export type WorkerSettings = ReturnType<typeof jobSettings.read>["worker"];

/** The variables async jobs need, by name: what a 503 `async_unavailable` says is missing. */
export function missingJobSettings(jobs: JobSettings): string[] {
  return [
    ...(jobs.uploadBucket === undefined ? ["UPLOAD_BUCKET"] : []),
    ...(jobs.workQueueUrl === undefined ? ["WORK_QUEUE_URL"] : []),
    ...(jobs.jobsTable === undefined ? ["JOBS_TABLE"] : []),
  ];
}
