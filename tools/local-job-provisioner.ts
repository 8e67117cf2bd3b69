import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SQSClient } from "@aws-sdk/client-sqs";
import {
  DEFAULT_RESULT_RETENTION_DAYS,
  DEFAULT_UPLOAD_RETENTION_DAYS,
  deliveryRedrivePolicy,
  expiryRules,
  jobNames,
  workRedrivePolicy,
  type JobNames,
} from "../infra/job-settings.js";
import { DELIVERY_QUEUE, IDEMPOTENCY_TABLE_SCHEMA, JOBS_TABLE_SCHEMA, WORK_QUEUE } from "../app/jobs/job-resources.js";
import { ensureQueue, ensureTable } from "./local-resources.js";

/** A queue the service consumes and its dead-letter queue, both encrypted, with their retention and redrive. */
async function ensureQueueWithDeadLetters(
  sqs: SQSClient,
  queue: {
    name: string;
    dlqName: string;
    settings: { visibilityTimeoutSeconds: number; messageRetentionSeconds: number; dlqMessageRetentionSeconds: number };
    redrivePolicy: (dlqArn: string) => string;
  },
  log: (line: string) => void,
) {
  const { settings } = queue;
  const dlq = await ensureQueue(
    sqs,
    queue.dlqName,
    { MessageRetentionPeriod: String(settings.dlqMessageRetentionSeconds), SqsManagedSseEnabled: "true" },
    log,
  );
  const consumed = await ensureQueue(
    sqs,
    queue.name,
    {
      VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(settings.messageRetentionSeconds),
      RedrivePolicy: queue.redrivePolicy(dlq.arn),
      SqsManagedSseEnabled: "true",
    },
    log,
  );
  return { queue: consumed, dlq };
}

/** The async jobs' stack outputs, as the Pulumi program exports them. */
export interface JobOutputs {
  uploadBucketName: string;
  workQueueUrl: string;
  workDlqUrl: string;
  jobsTableName: string;
  idempotencyTableName: string;
  webhookQueueUrl: string;
  webhookDlqUrl: string;
}

export interface LocalJobsOptions {
  sqs: SQSClient;
  s3: S3Client;
  dynamodb: DynamoDBClient;
  names?: JobNames;
  log?: (line: string) => void;
}

/**
 * Creates what async jobs run on (the bucket, the work queue and its DLQ, the jobs table) from the same
 * settings as the Pulumi program; idempotent like the pipeline (`local-provisioner.ts`).
 */
export async function provisionLocalJobs(options: LocalJobsOptions): Promise<JobOutputs> {
  const { sqs, s3, dynamodb, names = jobNames("design") } = options;
  const log = options.log ?? (() => undefined);

  try {
    await s3.send(new HeadBucketCommand({ Bucket: names.uploadBucket }));
    log(`bucket ${names.uploadBucket}: exists, settings applied`);
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: names.uploadBucket }));
    log(`bucket ${names.uploadBucket}: created`);
  }
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: names.uploadBucket,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  await s3.send(
    new PutBucketEncryptionCommand({
      Bucket: names.uploadBucket,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" }, BucketKeyEnabled: true }],
      },
    }),
  );
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: names.uploadBucket,
      LifecycleConfiguration: {
        Rules: expiryRules({
          uploadDays: DEFAULT_UPLOAD_RETENTION_DAYS,
          resultDays: DEFAULT_RESULT_RETENTION_DAYS,
        }).map((rule) => ({
          ID: rule.id,
          Status: "Enabled",
          Filter: { Prefix: rule.prefix },
          ...(rule.days !== undefined && { Expiration: { Days: rule.days } }),
          ...(rule.abortIncompleteAfterDays !== undefined && {
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: rule.abortIncompleteAfterDays },
          }),
        })),
      },
    }),
  );

  const { queue, dlq } = await ensureQueueWithDeadLetters(
    sqs,
    { name: names.workQueue, dlqName: names.workDlq, settings: WORK_QUEUE, redrivePolicy: workRedrivePolicy },
    log,
  );
  const { queue: deliveryQueue, dlq: deliveryDlq } = await ensureQueueWithDeadLetters(
    sqs,
    {
      name: names.deliveryQueue,
      dlqName: names.deliveryDlq,
      settings: DELIVERY_QUEUE,
      redrivePolicy: deliveryRedrivePolicy,
    },
    log,
  );

  const { hashKey, rangeKey, ttlAttribute, byCreatedIndex } = JOBS_TABLE_SCHEMA;
  await ensureTable(
    dynamodb,
    {
      TableName: names.jobsTable,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: hashKey, KeyType: "HASH" },
        { AttributeName: rangeKey, KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: hashKey, AttributeType: "S" },
        { AttributeName: rangeKey, AttributeType: "S" },
        { AttributeName: byCreatedIndex.rangeKey, AttributeType: "S" },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: byCreatedIndex.name,
          KeySchema: [
            { AttributeName: byCreatedIndex.hashKey, KeyType: "HASH" },
            { AttributeName: byCreatedIndex.rangeKey, KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    },
    ttlAttribute,
    log,
  );
  await ensureTable(
    dynamodb,
    {
      TableName: names.idempotencyTable,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [{ AttributeName: IDEMPOTENCY_TABLE_SCHEMA.hashKey, KeyType: "HASH" }],
      AttributeDefinitions: [{ AttributeName: IDEMPOTENCY_TABLE_SCHEMA.hashKey, AttributeType: "S" }],
    },
    IDEMPOTENCY_TABLE_SCHEMA.ttlAttribute,
    log,
  );

  return {
    uploadBucketName: names.uploadBucket,
    workQueueUrl: queue.url,
    workDlqUrl: dlq.url,
    jobsTableName: names.jobsTable,
    idempotencyTableName: names.idempotencyTable,
    webhookQueueUrl: deliveryQueue.url,
    webhookDlqUrl: deliveryDlq.url,
  };
}
