import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  PutRuleCommand,
  PutTargetsCommand,
  ResourceNotFoundException,
  type EventBridgeClient,
} from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  ResourceNotFoundException as DynamoResourceNotFound,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from "@aws-sdk/client-dynamodb";
import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import {
  DEFAULT_BUS_NAME,
  eventsMaySendTo,
  physicalNames,
  PIPELINE,
  policyJson,
  redrivePolicy,
  type PhysicalNames,
} from "../infra/settings.js";
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
import { transcriptEventsPattern } from "../app/events/transcript-events.js";

/** A queue with these settings: created, or brought to them if it exists. */
async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
  log: (line: string) => void,
) {
  let url: string;
  try {
    url = (await sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
    log(`queue ${name}: exists, settings applied`);
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist)) throw error;
    url = (await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))).QueueUrl!;
    log(`queue ${name}: created`);
  }
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] })))
    .Attributes!.QueueArn!;
  return { url, arn };
}

/** A table as described: created if missing (then waited for), its TTL switched on either way. */
async function ensureTable(
  dynamodb: DynamoDBClient,
  table: CreateTableCommandInput & { TableName: string },
  ttlAttribute: string,
  log: (line: string) => void,
) {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: table.TableName }));
    log(`table ${table.TableName}: exists`);
  } catch (error) {
    if (!(error instanceof DynamoResourceNotFound)) throw error;
    await dynamodb.send(new CreateTableCommand(table));
    await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: table.TableName });
    log(`table ${table.TableName}: created`);
  }
  await dynamodb.send(
    new UpdateTimeToLiveCommand({
      TableName: table.TableName,
      TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
    }),
  );
}

/** The same outputs as the Pulumi stack; there is no IAM policy locally. */
export interface PipelineOutputs {
  queueUrl: string;
  queueArn: string;
  dlqUrl: string;
  dlqArn: string;
  deliveryDlqUrl: string;
  ruleArn: string;
  eventBusName: string;
  eventBusArn: string;
  eventSource: string;
  publisherPolicyArn: string | null;
}

export interface LocalProvisionOptions {
  sqs: SQSClient;
  eventBridge: EventBridgeClient;
  busName: string;
  source: string;
  /** The same names the Pulumi program can use: the design's by default, or under a prefix. */
  names?: PhysicalNames;
  log?: (line: string) => void;
}

/**
 * Creates the event pipeline (queues, queue policies, bus, rule and target) on any AWS-compatible endpoint,
 * from the same settings as the Pulumi program. Idempotent: what exists is brought to the settings, not
 * created again, so running it twice changes nothing.
 */
export async function provisionLocalPipeline(options: LocalProvisionOptions): Promise<PipelineOutputs> {
  const { sqs, eventBridge, busName, source, names = physicalNames("design") } = options;
  const log = options.log ?? (() => undefined);

  async function ensureBus(): Promise<string> {
    try {
      return (await eventBridge.send(new DescribeEventBusCommand({ Name: busName }))).Arn!;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException) || busName === DEFAULT_BUS_NAME) throw error;
      log(`event bus ${busName}: created`);
      return (await eventBridge.send(new CreateEventBusCommand({ Name: busName }))).EventBusArn!;
    }
  }

  const retention = { MessageRetentionPeriod: String(PIPELINE.messageRetentionSeconds), SqsManagedSseEnabled: "true" };
  const dlq = await ensureQueue(sqs, names.dlq, retention, log);
  const queue = await ensureQueue(
    sqs,
    names.queue,
    {
      ...retention,
      VisibilityTimeout: String(PIPELINE.visibilityTimeoutSeconds),
      ReceiveMessageWaitTimeSeconds: String(PIPELINE.receiveWaitTimeSeconds),
      RedrivePolicy: redrivePolicy(dlq.arn),
    },
    log,
  );
  const deliveryDlq = await ensureQueue(sqs, names.deliveryDlq, retention, log);
  const busArn = await ensureBus();

  const { RuleArn: ruleArn } = await eventBridge.send(
    new PutRuleCommand({
      Name: names.rule,
      EventBusName: busName,
      EventPattern: JSON.stringify(transcriptEventsPattern(source)),
      State: "ENABLED",
      Description: "Routes BatchProcessingCompleted events to the meeting transcripts queue",
    }),
  );
  log(`rule ${names.rule}: applied`);

  for (const target of [queue, deliveryDlq]) {
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: target.url,
        Attributes: { Policy: policyJson([eventsMaySendTo(target.arn, ruleArn!)]) },
      }),
    );
  }
  await eventBridge.send(
    new PutTargetsCommand({
      Rule: names.rule,
      EventBusName: busName,
      Targets: [
        {
          Id: PIPELINE.targetId,
          Arn: queue.arn,
          RetryPolicy: {
            MaximumEventAgeInSeconds: PIPELINE.retryPolicy.maximumEventAgeInSeconds,
            MaximumRetryAttempts: PIPELINE.retryPolicy.maximumRetryAttempts,
          },
          DeadLetterConfig: { Arn: deliveryDlq.arn },
        },
      ],
    }),
  );
  log(`target ${PIPELINE.targetId}: applied`);

  return {
    queueUrl: queue.url,
    queueArn: queue.arn,
    dlqUrl: dlq.url,
    dlqArn: dlq.arn,
    deliveryDlqUrl: deliveryDlq.url,
    ruleArn: ruleArn!,
    eventBusName: busName,
    eventBusArn: busArn,
    eventSource: source,
    publisherPolicyArn: null,
  };
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
 * settings as the Pulumi program; idempotent like the pipeline above.
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

  const dlq = await ensureQueue(
    sqs,
    names.workDlq,
    { MessageRetentionPeriod: String(WORK_QUEUE.dlqMessageRetentionSeconds), SqsManagedSseEnabled: "true" },
    log,
  );
  const queue = await ensureQueue(
    sqs,
    names.workQueue,
    {
      VisibilityTimeout: String(WORK_QUEUE.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(WORK_QUEUE.messageRetentionSeconds),
      RedrivePolicy: workRedrivePolicy(dlq.arn),
      SqsManagedSseEnabled: "true",
    },
    log,
  );

  const deliveryDlq = await ensureQueue(
    sqs,
    names.deliveryDlq,
    { MessageRetentionPeriod: String(DELIVERY_QUEUE.dlqMessageRetentionSeconds), SqsManagedSseEnabled: "true" },
    log,
  );
  const deliveryQueue = await ensureQueue(
    sqs,
    names.deliveryQueue,
    {
      VisibilityTimeout: String(DELIVERY_QUEUE.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(DELIVERY_QUEUE.messageRetentionSeconds),
      RedrivePolicy: deliveryRedrivePolicy(deliveryDlq.arn),
      SqsManagedSseEnabled: "true",
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
