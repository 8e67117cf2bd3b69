import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { StringifyJson1_0Protocol } from "../aws/json-protocols.js";
import type { AwsSettings } from "../config/service-settings.js";
import { createDynamoIdempotencyStore } from "../idempotency/dynamo-idempotency-store.js";
import type { IdempotencySettings } from "../idempotency/idempotency-settings.js";
import { createMemoryIdempotencyStore, type IdempotencyStore } from "../idempotency/idempotency-store.js";
import { missingJobSettings, type JobSettings } from "../jobs/job-settings.js";
import { createDynamoJobStore, type JobStore } from "../jobs/job-store.js";
import { createListCursors } from "../jobs/list-cursor.js";
import { createSqsWorkQueue, type WorkQueue } from "../jobs/work-queue.js";
import { createS3ObjectStore, type ObjectStore } from "../storage/object-store.js";
import { createSqsDeliveryQueue, type DeliveryQueue } from "../webhooks/delivery-queue.js";
import type { WebhookSettings } from "../webhooks/webhook-settings.js";

/** Every AWS call of the job path has a bound: connecting, and each request (an upload part, a query). */
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 60_000 };

/** DynamoDB and SQS clients: bounded, and writing their JSON with `JSON.stringify` (an answer kept for an `Idempotency-Key` can be 256 KB). */
const JSON_CLIENT = { requestHandler: REQUEST_HANDLER, protocol: StringifyJson1_0Protocol };

/** The bucket, the jobs table and the work queue as ports. */
export interface JobAdapters {
  store: JobStore;
  queue: WorkQueue;
  objects: ObjectStore;
  sqs: SQSClient;
  workQueueUrl: string;
}

/**
 * The bucket, from config. The endpoint comes from `AWS_ENDPOINT_URL` (read by the SDK itself); on an
 * emulator the bucket is addressed by path, not by DNS.
 */
export function createObjectStore(aws: AwsSettings, jobs: JobSettings): ObjectStore | undefined {
  if (jobs.uploadBucket === undefined) return undefined;
  const s3 = new S3Client({
    region: aws.region,
    forcePathStyle: aws.endpointUrl !== undefined,
    requestHandler: REQUEST_HANDLER,
  });
  return createS3ObjectStore(s3, jobs.uploadBucket);
}

/** The job path's adapters, or the variables that are missing for them. */
export function createJobAdapters(
  aws: AwsSettings,
  jobs: JobSettings,
  objects: ObjectStore | undefined,
): JobAdapters | { missing: string[] } {
  const missing = missingJobSettings(jobs);
  const { workQueueUrl, jobsTable } = jobs;
  if (missing.length > 0 || objects === undefined || workQueueUrl === undefined || jobsTable === undefined)
    return { missing };
  const sqs = new SQSClient({ region: aws.region, ...JSON_CLIENT });
  return {
    store: createDynamoJobStore(
      new DynamoDBClient({ region: aws.region, ...JSON_CLIENT }),
      jobsTable,
      createListCursors(jobs.cursorSigningKey),
    ),
    queue: createSqsWorkQueue(sqs, workQueueUrl),
    objects,
    sqs,
    workQueueUrl,
  };
}

/** `Idempotency-Key` records: in DynamoDB when `IDEMPOTENCY_TABLE` is set (large answers in the bucket), else in this process. */
export function createIdempotencyStore(
  aws: AwsSettings,
  settings: IdempotencySettings,
  objects: ObjectStore | undefined,
): IdempotencyStore {
  const { table, ttlS } = settings;
  if (table === undefined) return createMemoryIdempotencyStore({ ttlS });
  const client = new DynamoDBClient({ region: aws.region, ...JSON_CLIENT });
  return createDynamoIdempotencyStore(client, table, { ttlS, objects });
}

/** The webhook delivery queue, when webhooks are configured and the job path is there to call back from. */
export function createDeliveryQueue(
  jobAdapters: JobAdapters | { missing: string[] },
  webhooks: WebhookSettings,
): DeliveryQueue | undefined {
  if ("missing" in jobAdapters || webhooks.queueUrl === undefined) return undefined;
  return createSqsDeliveryQueue(jobAdapters.sqs, webhooks.queueUrl);
}
