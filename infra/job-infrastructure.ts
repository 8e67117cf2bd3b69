import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { deadLetterAlarm } from "./alarms.js";
import { IDEMPOTENCY_TABLE_SCHEMA, JOBS_TABLE_SCHEMA, WORK_QUEUE } from "../app/jobs/job-resources.js";
import {
  apiJobStatements,
  DEFAULT_RESULT_RETENTION_DAYS,
  DEFAULT_UPLOAD_RETENTION_DAYS,
  expiryRules,
  workerJobStatements,
  workRedrivePolicy,
  type JobNames,
} from "./job-settings.js";

export interface JobInfrastructureArgs {
  /** Physical names; absent: Pulumi names them from this component's name with a random suffix. */
  names?: JobNames;
  /** Days before uploads (and recorded answers) expire from the bucket. */
  uploadRetentionDays?: number;
  /** Days before results and claim-checked transcripts expire. */
  resultRetentionDays?: number;
  /** The webhook delivery queue the workers send to and consume. */
  deliveryQueueArn: pulumi.Input<string>;
  alarmTopicArn?: pulumi.Input<string>;
  tags?: Record<string, string>;
}

/**
 * What async jobs run on: the private, encrypted bucket for uploads and results (uploads expiring after
 * `uploadRetentionDays`, results and transcripts after `resultRetentionDays`), the work queue and its dead-letter queue, the on-demand jobs table with its TTL,
 * the `Idempotency-Key` table, and a least-privilege policy each for the API and the worker.
 */
export class JobInfrastructure extends pulumi.ComponentResource {
  public readonly uploadBucketName: pulumi.Output<string>;
  public readonly workQueueUrl: pulumi.Output<string>;
  public readonly workDlqUrl: pulumi.Output<string>;
  public readonly jobsTableName: pulumi.Output<string>;
  public readonly idempotencyTableName: pulumi.Output<string>;
  public readonly apiPolicyArn: pulumi.Output<string>;
  public readonly workerPolicyArn: pulumi.Output<string>;

  constructor(name: string, args: JobInfrastructureArgs, opts?: pulumi.ComponentResourceOptions) {
    super("batch-transcription:jobs:JobInfrastructure", name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags ?? {};
    const named = (physical: string | undefined, key: "bucket" | "name") =>
      physical === undefined ? {} : { [key]: physical };

    const bucket = new aws.s3.Bucket(
      `${name}-uploads`,
      { ...named(args.names?.uploadBucket, "bucket"), forceDestroy: false, tags },
      parent,
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-uploads-public-access`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-uploads-encryption`,
      {
        bucket: bucket.id,
        rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
      },
      parent,
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-uploads-lifecycle`,
      {
        bucket: bucket.id,
        rules: expiryRules({
          uploadDays: args.uploadRetentionDays ?? DEFAULT_UPLOAD_RETENTION_DAYS,
          resultDays: args.resultRetentionDays ?? DEFAULT_RESULT_RETENTION_DAYS,
        }).map((rule) => ({
          id: rule.id,
          status: "Enabled",
          filter: { prefix: rule.prefix },
          ...(rule.days !== undefined && { expiration: { days: rule.days } }),
          ...(rule.abortIncompleteAfterDays !== undefined && {
            abortIncompleteMultipartUpload: { daysAfterInitiation: rule.abortIncompleteAfterDays },
          }),
        })),
      },
      parent,
    );

    const workDlq = new aws.sqs.Queue(
      `${name}-work-dlq`,
      {
        ...named(args.names?.workDlq, "name"),
        messageRetentionSeconds: WORK_QUEUE.dlqMessageRetentionSeconds,
        sqsManagedSseEnabled: true,
        tags,
      },
      parent,
    );
    const workQueue = new aws.sqs.Queue(
      `${name}-work-queue`,
      {
        ...named(args.names?.workQueue, "name"),
        visibilityTimeoutSeconds: WORK_QUEUE.visibilityTimeoutSeconds,
        messageRetentionSeconds: WORK_QUEUE.messageRetentionSeconds,
        receiveWaitTimeSeconds: 20,
        redrivePolicy: workDlq.arn.apply(workRedrivePolicy),
        sqsManagedSseEnabled: true,
        tags,
      },
      parent,
    );

    const { hashKey, rangeKey, ttlAttribute, byCreatedIndex } = JOBS_TABLE_SCHEMA;
    const table = new aws.dynamodb.Table(
      `${name}-jobs`,
      {
        ...named(args.names?.jobsTable, "name"),
        billingMode: "PAY_PER_REQUEST",
        hashKey,
        rangeKey,
        attributes: [
          { name: hashKey, type: "S" },
          { name: rangeKey, type: "S" },
          { name: byCreatedIndex.rangeKey, type: "S" },
        ],
        globalSecondaryIndexes: [
          {
            name: byCreatedIndex.name,
            hashKey: byCreatedIndex.hashKey,
            rangeKey: byCreatedIndex.rangeKey,
            projectionType: "ALL",
          },
        ],
        ttl: { attributeName: ttlAttribute, enabled: true },
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true },
        tags,
      },
      parent,
    );

    const idempotency = new aws.dynamodb.Table(
      `${name}-idempotency`,
      {
        ...named(args.names?.idempotencyTable, "name"),
        billingMode: "PAY_PER_REQUEST",
        hashKey: IDEMPOTENCY_TABLE_SCHEMA.hashKey,
        attributes: [{ name: IDEMPOTENCY_TABLE_SCHEMA.hashKey, type: "S" }],
        ttl: { attributeName: IDEMPOTENCY_TABLE_SCHEMA.ttlAttribute, enabled: true },
        serverSideEncryption: { enabled: true },
        tags,
      },
      parent,
    );

    const objects = (prefix: string) => pulumi.interpolate`${bucket.arn}/${prefix}`;
    const indexArn = pulumi.interpolate`${table.arn}/index/${byCreatedIndex.name}`;
    const policy = (
      suffix: string,
      description: string,
      statements: ReturnType<typeof apiJobStatements<pulumi.Output<string>>>,
    ) =>
      new aws.iam.Policy(
        `${name}-${suffix}`,
        { description, policy: aws.iam.getPolicyDocumentOutput({ statements }, parent).json, tags },
        parent,
      );
    const apiPolicy = policy(
      "api-policy",
      "Lets the API store uploads, read results, record jobs and queue work, and nothing else",
      apiJobStatements(
        {
          bucketArn: bucket.arn,
          tableArn: table.arn,
          indexArn,
          workQueueArn: workQueue.arn,
          idempotencyTableArn: idempotency.arn,
        },
        objects,
      ),
    );
    const workerPolicy = policy(
      "worker-policy",
      "Lets a worker read uploads, write results, move jobs on and consume work, and nothing else",
      workerJobStatements(
        { tableArn: table.arn, workQueueArn: workQueue.arn, deliveryQueueArn: pulumi.output(args.deliveryQueueArn) },
        objects,
      ),
    );

    deadLetterAlarm(
      `${name}-work-dlq-alarm`,
      {
        queueName: workDlq.name,
        description: "A job's work message failed three times and was dead-lettered",
        alarmTopicArn: args.alarmTopicArn,
        tags,
      },
      parent,
    );

    this.uploadBucketName = bucket.bucket;
    this.workQueueUrl = workQueue.url;
    this.workDlqUrl = workDlq.url;
    this.jobsTableName = table.name;
    this.idempotencyTableName = idempotency.name;
    this.apiPolicyArn = apiPolicy.arn;
    this.workerPolicyArn = workerPolicy.arn;
    this.registerOutputs({
      uploadBucketName: this.uploadBucketName,
      workQueueUrl: this.workQueueUrl,
      workDlqUrl: this.workDlqUrl,
      jobsTableName: this.jobsTableName,
      idempotencyTableName: this.idempotencyTableName,
      apiPolicyArn: this.apiPolicyArn,
      workerPolicyArn: this.workerPolicyArn,
    });
  }
}
