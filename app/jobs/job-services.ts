import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { missingJobSettings, type Config } from "../config.js";
import { createS3ObjectStore, type ObjectStore } from "../storage/object-store.js";
import { createDynamoJobStore, type JobStore } from "./job-store.js";
import { createDynamoIdempotencyStore } from "../idempotency/dynamo-idempotency-store.js";
import { createMemoryIdempotencyStore, type IdempotencyStore } from "../idempotency/idempotency-store.js";
import { createSqsWorkQueue, type WorkQueue } from "./work-queue.js";

/** Every AWS call of the job path has a bound: connecting, and each request (an upload part, a query). */
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 60_000 };

export interface JobServices {
  store: JobStore;
  queue: WorkQueue;
  objects: ObjectStore;
  sqs: SQSClient;
  workQueueUrl: string;
}

/**
 * The bucket, the jobs table and the work queue as ports, from config. The endpoint comes from
 * `AWS_ENDPOINT_URL` (read by the SDK itself); on an emulator the bucket is addressed by path, not by DNS.
 */
export function createObjectStore(config: Config): ObjectStore | undefined {
  if (config.jobs.uploadBucket === undefined) return undefined;
  const s3 = new S3Client({ region: config.events.region, forcePathStyle: config.events.endpointUrl !== undefined, requestHandler: REQUEST_HANDLER });
  return createS3ObjectStore(s3, config.jobs.uploadBucket);
}

export function createJobServices(config: Config, objects: ObjectStore | undefined): JobServices | { missing: string[] } {
  const missing = missingJobSettings(config.jobs);
  const { workQueueUrl, jobsTable } = config.jobs;
  if (missing.length > 0 || objects === undefined || workQueueUrl === undefined || jobsTable === undefined) return { missing };
  const region = config.events.region;
  const sqs = new SQSClient({ region, requestHandler: REQUEST_HANDLER });
  return {
    store: createDynamoJobStore(new DynamoDBClient({ region, requestHandler: REQUEST_HANDLER }), jobsTable),
    queue: createSqsWorkQueue(sqs, workQueueUrl),
    objects,
    sqs,
    workQueueUrl,
  };
}

/** `Idempotency-Key` records: in DynamoDB when `IDEMPOTENCY_TABLE` is set (large answers in the bucket), else in this process. */
export function createIdempotencyStore(config: Config, objects: ObjectStore | undefined): IdempotencyStore {
  const { table, ttlS } = config.idempotency;
  if (table === undefined) return createMemoryIdempotencyStore({ ttlS });
  return createDynamoIdempotencyStore(new DynamoDBClient({ region: config.events.region, requestHandler: REQUEST_HANDLER }), table, { ttlS, objects });
}
