import { DELIVERY_QUEUE, WORK_QUEUE } from "../app/jobs/job-resources.js";
import { DEFAULT_RETENTION_DAYS, STORAGE_PREFIXES, underPrefix } from "../app/storage/storage-layout.js";
import type { Statement } from "./settings.js";

/**
 * The async jobs' resources, described once for the Pulumi program and local provisioning: their names,
 * the bucket's retention, the queues' redrive, and the least-privilege statements of the API and the worker.
 */

/** The physical names of the async jobs' resources. */
export interface JobNames {
  /** Uploads, results and claim-checked transcripts. */
  uploadBucket: string;
  workQueue: string;
  workDlq: string;
  jobsTable: string;
  idempotencyTable: string;
  /** Webhook deliveries between tries, and its DLQ. */
  deliveryQueue: string;
  deliveryDlq: string;
}

export const DESIGN_JOB_NAMES: JobNames = {
  uploadBucket: "meeting-transcripts-uploads",
  workQueue: "meeting-transcripts-work-queue",
  workDlq: "meeting-transcripts-work-dlq",
  jobsTable: "meeting-transcription-jobs",
  idempotencyTable: "meeting-transcription-idempotency",
  deliveryQueue: "meeting-transcripts-webhook-queue",
  deliveryDlq: "meeting-transcripts-webhook-dlq",
};

export function jobNames(naming: "design" | { prefix: string }): JobNames {
  if (naming === "design") return DESIGN_JOB_NAMES;
  const { prefix } = naming;
  return {
    uploadBucket: `${prefix}-uploads`,
    workQueue: `${prefix}-work-queue`,
    workDlq: `${prefix}-work-dlq`,
    jobsTable: `${prefix}-jobs`,
    idempotencyTable: `${prefix}-idempotency`,
    deliveryQueue: `${prefix}-webhook-queue`,
    deliveryDlq: `${prefix}-webhook-dlq`,
  };
}

/** Uploads (and recorded answers) expire from the bucket after this many days (stack config `uploadRetentionDays`). */
export const DEFAULT_UPLOAD_RETENTION_DAYS = DEFAULT_RETENTION_DAYS.uploads;
/** Results and claim-checked transcripts expire after this many days (stack config `resultRetentionDays`). */
export const DEFAULT_RESULT_RETENTION_DAYS = DEFAULT_RETENTION_DAYS.results;

/** One lifecycle rule, in the words both the Pulumi program and local provisioning map to their own casing. */
export interface ExpiryRule {
  id: string;
  prefix: string;
  days?: number;
  /** An upload that was never finished goes after a day. */
  abortIncompleteAfterDays?: number;
}

/** The bucket's lifecycle: each prefix expires after its retention; unfinished multipart uploads after a day. */
export function expiryRules(retention: { uploadDays: number; resultDays: number }): ExpiryRule[] {
  return [
    { id: "expire-uploads", prefix: `${STORAGE_PREFIXES.uploads}/`, days: retention.uploadDays },
    { id: "expire-recorded-answers", prefix: `${STORAGE_PREFIXES.idempotency}/`, days: retention.uploadDays },
    { id: "expire-results", prefix: `${STORAGE_PREFIXES.results}/`, days: retention.resultDays },
    { id: "expire-transcripts", prefix: `${STORAGE_PREFIXES.transcripts}/`, days: retention.resultDays },
    { id: "abort-unfinished-uploads", prefix: "", abortIncompleteAfterDays: 1 },
  ];
}

export function deliveryRedrivePolicy(deadLetterTargetArn: string): string {
  return JSON.stringify({ deadLetterTargetArn, maxReceiveCount: DELIVERY_QUEUE.maxReceiveCount });
}

export function workRedrivePolicy(deadLetterTargetArn: string): string {
  return JSON.stringify({ deadLetterTargetArn, maxReceiveCount: WORK_QUEUE.maxReceiveCount });
}

/** What the API needs: store uploads, read results, write and read job records, queue work, delete jobs. */
export function apiJobStatements<T>(
  resources: { bucketArn: T; tableArn: T; indexArn: T; workQueueArn: T; idempotencyTableArn: T },
  objects: (prefix: string) => T,
): Array<Statement<T>> {
  return [
    {
      sid: "KeepIdempotencyRecords",
      effect: "Allow",
      actions: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
      resources: [resources.idempotencyTableArn],
    },
    {
      sid: "KeepLargeReplays",
      effect: "Allow",
      actions: ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"],
      resources: [objects(underPrefix("idempotency"))],
    },
    {
      sid: "StoreUploads",
      effect: "Allow",
      actions: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:DeleteObject"],
      resources: [objects(underPrefix("uploads"))],
    },
    {
      sid: "ReadAndDeleteResults",
      effect: "Allow",
      actions: ["s3:GetObject", "s3:DeleteObject"],
      resources: [objects(underPrefix("results"))],
    },
    {
      sid: "StoreAndDeleteClaimChecks",
      effect: "Allow",
      actions: ["s3:PutObject", "s3:DeleteObject"],
      resources: [objects(underPrefix("transcripts"))],
    },
    {
      sid: "RecordJobs",
      effect: "Allow",
      // UpdateItem: deleting a job leaves a tombstone.
      actions: ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:Query"],
      resources: [resources.tableArn, resources.indexArn],
    },
    { sid: "QueueWork", effect: "Allow", actions: ["sqs:SendMessage"], resources: [resources.workQueueArn] },
  ];
}

/**
 * What a worker needs: read uploads, write results and claim checks (and remove them again for a job deleted
 * under it), move job records on, consume work, and queue and make webhook deliveries.
 */
export function workerJobStatements<T>(
  resources: { tableArn: T; workQueueArn: T; deliveryQueueArn: T },
  objects: (prefix: string) => T,
): Array<Statement<T>> {
  return [
    { sid: "ReadUploads", effect: "Allow", actions: ["s3:GetObject"], resources: [objects(underPrefix("uploads"))] },
    {
      sid: "WriteResults",
      effect: "Allow",
      actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      resources: [objects(underPrefix("results")), objects(underPrefix("transcripts"))],
    },
    {
      sid: "DeliverWebhooks",
      effect: "Allow",
      actions: [
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
      ],
      resources: [resources.deliveryQueueArn],
    },
    {
      sid: "UpdateJobs",
      effect: "Allow",
      actions: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
      resources: [resources.tableArn],
    },
    {
      sid: "ConsumeWork",
      effect: "Allow",
      actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
      resources: [resources.workQueueArn],
    },
  ];
}
