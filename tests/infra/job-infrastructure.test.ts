import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT, installPulumiMocks, promiseOf, REGION, type RecordedResource } from "../support/pulumi-mocks.js";

const mocks = installPulumiMocks({
  "batch-transcription-events:physicalNames": "design",
  "batch-transcription-events:uploadRetentionDays": "3",
  "batch-transcription-events:resultRetentionDays": "45",
});
const program = await import("../../infra/index.js");

const byName = (name: string): RecordedResource => {
  const found = mocks.resources.find((resource) => resource.name === name);
  if (!found) throw new Error(`no resource ${name}`);
  return found;
};

const BUCKET_ARN = "arn:aws:s3:::meeting-transcripts-uploads";
const TABLE_ARN = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/meeting-transcription-jobs`;
const WORK_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:meeting-transcripts-work-queue`;
const DELIVERY_QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:meeting-transcripts-webhook-queue`;

describe("the async jobs' resources (with Pulumi's mocks)", () => {
  beforeAll(async () => {
    await Promise.all([program.apiPolicyArn, program.workerPolicyArn, program.jobsTableName].map(promiseOf));
  });

  it("exports the outputs the API and workers read as UPLOAD_BUCKET, WORK_QUEUE_URL and JOBS_TABLE", async () => {
    expect({
      uploadBucketName: await promiseOf(program.uploadBucketName),
      workQueueUrl: await promiseOf(program.workQueueUrl),
      workDlqUrl: await promiseOf(program.workDlqUrl),
      jobsTableName: await promiseOf(program.jobsTableName),
    }).toEqual({
      uploadBucketName: "meeting-transcripts-uploads",
      workQueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/meeting-transcripts-work-queue`,
      workDlqUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/meeting-transcripts-work-dlq`,
      jobsTableName: "meeting-transcription-jobs",
    });
  });

  it("keeps the bucket private and encrypted, expiring objects after uploadRetentionDays", () => {
    expect(byName("jobs-uploads-public-access").inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(byName("jobs-uploads-encryption").inputs).toMatchObject({
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    expect(byName("jobs-uploads-lifecycle").inputs).toEqual({
      bucket: expect.any(String) as unknown,
      rules: [
        { id: "expire-uploads", status: "Enabled", filter: { prefix: "uploads/" }, expiration: { days: 3 } },
        {
          id: "expire-recorded-answers",
          status: "Enabled",
          filter: { prefix: "idempotency/" },
          expiration: { days: 3 },
        },
        { id: "expire-results", status: "Enabled", filter: { prefix: "results/" }, expiration: { days: 45 } },
        { id: "expire-transcripts", status: "Enabled", filter: { prefix: "transcripts/" }, expiration: { days: 45 } },
        {
          id: "abort-unfinished-uploads",
          status: "Enabled",
          filter: { prefix: "" },
          abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
        },
      ],
    });
  });

  it("has a webhook delivery queue with its DLQ and an alarm on it, exported as webhookQueueUrl and webhookDlqUrl", async () => {
    expect(await promiseOf(program.webhookQueueUrl)).toBe(
      `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/meeting-transcripts-webhook-queue`,
    );
    expect(await promiseOf(program.webhookDlqUrl)).toBe(
      `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/meeting-transcripts-webhook-dlq`,
    );
    const queue = byName("webhooks-queue").inputs;
    expect(queue).toMatchObject({ name: "meeting-transcripts-webhook-queue", sqsManagedSseEnabled: true });
    expect(JSON.parse(String(queue.redrivePolicy))).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:meeting-transcripts-webhook-dlq`,
      maxReceiveCount: 52,
    });
    expect(byName("webhooks-dlq-alarm").inputs).toMatchObject({
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "meeting-transcripts-webhook-dlq" },
      threshold: 0,
    });
  });

  it("dead-letters a work message after 3 receives, and alarms when one is", () => {
    const queue = byName("jobs-work-queue").inputs;
    expect(queue).toMatchObject({
      name: "meeting-transcripts-work-queue",
      visibilityTimeoutSeconds: 120,
      sqsManagedSseEnabled: true,
    });
    expect(JSON.parse(String(queue.redrivePolicy))).toEqual({
      deadLetterTargetArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:meeting-transcripts-work-dlq`,
      maxReceiveCount: 3,
    });
    expect(byName("jobs-work-dlq-alarm").inputs).toMatchObject({
      dimensions: { QueueName: "meeting-transcripts-work-dlq" },
      threshold: 0,
    });
  });

  it("makes the jobs table on-demand, keyed by tenant then job, with the listing index and a TTL", () => {
    expect(byName("jobs-jobs").inputs).toMatchObject({
      name: "meeting-transcription-jobs",
      billingMode: "PAY_PER_REQUEST",
      hashKey: "tenant_id",
      rangeKey: "job_id",
      globalSecondaryIndexes: [
        { name: "by_created", hashKey: "tenant_id", rangeKey: "created_key", projectionType: "ALL" },
      ],
      ttl: { attributeName: "expires_at", enabled: true },
    });
  });

  it("keeps Idempotency-Key records in an on-demand table keyed by tenant and key, with a TTL", async () => {
    expect(await promiseOf(program.idempotencyTableName)).toBe("meeting-transcription-idempotency");
    expect(byName("jobs-idempotency").inputs).toMatchObject({
      billingMode: "PAY_PER_REQUEST",
      hashKey: "scope_key",
      ttl: { attributeName: "expires_at", enabled: true },
    });
  });

  it("gives the API and the worker only what each needs", () => {
    const api = JSON.parse(String(byName("jobs-api-policy").inputs.policy)) as Array<{
      sid: string;
      actions: string[];
      resources: string[];
    }>;
    const worker = JSON.parse(String(byName("jobs-worker-policy").inputs.policy)) as Array<{
      sid: string;
      actions: string[];
      resources: string[];
    }>;
    const actionsOf = (statements: typeof api) => statements.flatMap((statement) => statement.actions).sort();
    expect(actionsOf(api)).toEqual(
      [
        ...[
          "dynamodb:DeleteItem",
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:Query",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
          "dynamodb:GetItem",
          "dynamodb:PutItem",
          "dynamodb:UpdateItem",
        ],
        ...[
          "s3:AbortMultipartUpload",
          "s3:DeleteObject",
          "s3:DeleteObject",
          "s3:DeleteObject",
          "s3:DeleteObject",
          "s3:GetObject",
          "s3:PutObject",
          "s3:PutObject",
          "s3:PutObject",
          "s3:GetObject",
          "sqs:SendMessage",
        ],
      ].sort(),
    );
    expect(api.find((s) => s.sid === "KeepIdempotencyRecords")!.resources).toEqual([
      `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/meeting-transcription-idempotency`,
    ]);
    expect(api.find((s) => s.sid === "StoreUploads")!.resources).toEqual([`${BUCKET_ARN}/uploads/*`]);
    expect(api.find((s) => s.sid === "RecordJobs")!.resources).toEqual([TABLE_ARN, `${TABLE_ARN}/index/by_created`]);
    expect(api.find((s) => s.sid === "QueueWork")!.resources).toEqual([WORK_QUEUE_ARN]);
    expect(api.find((s) => s.sid === "ReadAndDeleteResults")!.resources).toEqual([`${BUCKET_ARN}/results/*`]);
    // The worker sends to the delivery queue only, never to the work queue.
    expect(worker.filter((s) => s.actions.includes("sqs:SendMessage")).map((s) => s.resources)).toEqual([
      [DELIVERY_QUEUE_ARN],
    ]);
    expect(worker.find((s) => s.sid === "DeliverWebhooks")!.actions).toEqual([
      "sqs:SendMessage",
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]);
    expect(actionsOf(worker)).not.toContain("dynamodb:PutItem");
    expect(worker.find((s) => s.sid === "ConsumeWork")!.actions).toEqual([
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]);
    expect(worker.find((s) => s.sid === "ReadUploads")!.resources).toEqual([`${BUCKET_ARN}/uploads/*`]);
    for (const statement of [...api, ...worker])
      for (const resource of statement.resources) expect(resource).not.toBe("*");
  });
});
