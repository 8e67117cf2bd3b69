import { DescribeRuleCommand, ListTargetsByRuleCommand } from "@aws-sdk/client-eventbridge";
import { GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { beforeAll, describe, expect, it } from "vitest";
import { transcriptEventsPattern } from "../../app/events/transcript-events.js";
import { DescribeTableCommand, DescribeTimeToLiveCommand } from "@aws-sdk/client-dynamodb";
import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { provisionLocalJobs, type JobOutputs } from "../../tools/local-job-provisioner.js";
import { provisionLocalPipeline, type PipelineOutputs } from "../../tools/local-provisioner.js";
import { awsClients, drainQueue, motoUrl, resetMoto, TEST_CREDENTIALS } from "../support/moto.js";
import { runScript } from "../support/run-script.js";
import { buildTestApp, postUpload, uploadForm } from "../support/test-app.js";
import { createEventBridgePublisher } from "../../app/events/eventbridge-publisher.js";

describe("npm run infra:local against moto_server", () => {
  const clients = awsClients();
  let first: PipelineOutputs & JobOutputs;

  beforeAll(async () => {
    await resetMoto();
    const cli = await runScript("scripts/infra-local.ts", ["--json"], {
      AWS_ENDPOINT_URL: motoUrl(),
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    });
    expect(cli.code, cli.stderr).toBe(0);
    first = JSON.parse(cli.stdout) as PipelineOutputs & JobOutputs;
  });

  it("prints the same outputs as the stack", () => {
    expect(Object.keys(first).sort()).toEqual(
      [
        ...[
          "queueUrl",
          "queueArn",
          "dlqUrl",
          "dlqArn",
          "deliveryDlqUrl",
          "ruleArn",
          "eventBusName",
          "eventBusArn",
          "eventSource",
          "publisherPolicyArn",
        ],
        ...["uploadBucketName", "workQueueUrl", "workDlqUrl", "jobsTableName", "idempotencyTableName"],
        ...["webhookQueueUrl", "webhookDlqUrl"],
      ].sort(),
    );
    expect(first.webhookQueueUrl).toMatch(/\/meeting-transcripts-webhook-queue$/);
    expect(first).toMatchObject({
      eventBusName: "default",
      eventSource: "com.yourapp.transcription",
      publisherPolicyArn: null,
    });
  });

  it("is idempotent: a second run reports the same resources and changes nothing", async () => {
    const again = {
      ...(await provisionLocalPipeline({ ...clients, busName: "default", source: "com.yourapp.transcription" })),
      ...(await provisionLocalJobs(clients)),
    };
    expect(again).toEqual(first);
    const targets = await clients.eventBridge.send(new ListTargetsByRuleCommand({ Rule: "capture-transcripts-rule" }));
    expect(targets.Targets).toHaveLength(1);
  });

  it("creates the async jobs' private, encrypted, expiring bucket, the work queue with its DLQ, and the jobs table", async () => {
    const bucket = { Bucket: first.uploadBucketName };
    expect((await clients.s3.send(new GetPublicAccessBlockCommand(bucket))).PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const encryption = await clients.s3.send(new GetBucketEncryptionCommand(bucket));
    expect(
      encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
    ).toBe("AES256");
    const lifecycle = await clients.s3.send(new GetBucketLifecycleConfigurationCommand(bucket));
    expect(lifecycle.Rules?.[0]).toMatchObject({ Status: "Enabled", Expiration: { Days: 7 } });
    const { Attributes: work } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: first.workQueueUrl, AttributeNames: ["All"] }),
    );
    expect(JSON.parse(work!.RedrivePolicy!)).toMatchObject({ maxReceiveCount: 3 });
    expect(work!.VisibilityTimeout).toBe("120");
    const { Table: table } = await clients.dynamodb.send(new DescribeTableCommand({ TableName: first.jobsTableName }));
    expect(table?.KeySchema).toEqual([
      { AttributeName: "tenant_id", KeyType: "HASH" },
      { AttributeName: "job_id", KeyType: "RANGE" },
    ]);
    expect(table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(["by_created"]);
    const ttl = await clients.dynamodb.send(new DescribeTimeToLiveCommand({ TableName: first.jobsTableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ AttributeName: "expires_at", TimeToLiveStatus: "ENABLED" });
  });

  it("creates the queue with the design's settings, redrive and policy", async () => {
    const { Attributes: queue } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: first.queueUrl, AttributeNames: ["All"] }),
    );
    expect(queue).toMatchObject({
      VisibilityTimeout: "30",
      MessageRetentionPeriod: "1209600",
      ReceiveMessageWaitTimeSeconds: "0",
    });
    expect(JSON.parse(queue!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: first.dlqArn, maxReceiveCount: 3 });
    expect(JSON.parse(queue!.Policy!)).toMatchObject({
      Statement: [
        {
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: first.queueArn,
          Condition: { ArnEquals: { "aws:SourceArn": first.ruleArn } },
        },
      ],
    });
  });

  it("routes the contract's events to the queue with the retry policy and a delivery DLQ", async () => {
    const rule = await clients.eventBridge.send(new DescribeRuleCommand({ Name: "capture-transcripts-rule" }));
    expect(rule.State).toBe("ENABLED");
    expect(JSON.parse(rule.EventPattern!)).toEqual(transcriptEventsPattern());
    const { Targets: [target] = [] } = await clients.eventBridge.send(
      new ListTargetsByRuleCommand({ Rule: "capture-transcripts-rule" }),
    );
    expect(target).toMatchObject({
      Arn: first.queueArn,
      RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
      DeadLetterConfig: { Arn: first.deliveryDlqUrl.replace(/^.*\/(\d+)\/(.*)$/, "arn:aws:sqs:us-east-1:$1:$2") },
    });
  });

  it("carries an event published by the service to the queue, and a message received 3 times to the DLQ", async () => {
    const publisher = createEventBridgePublisher({
      client: clients.eventBridge,
      busName: "default",
      source: "com.yourapp.transcription",
      maxEntryBytes: 1024 * 1024,
      budgetMs: 5_000,
      attemptTimeoutMs: 1_000,
    });
    const { app } = await buildTestApp({ publisher });
    const response = await postUpload(app, uploadForm("Um, hello there."));
    const { interaction_id: interactionId } = (await response.json()) as { interaction_id: string };

    for (let receive = 1; receive <= 3; receive += 1) {
      const got = await clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: first.queueUrl, VisibilityTimeout: 0, WaitTimeSeconds: 2 }),
      );
      expect(
        (JSON.parse(got.Messages![0]!.Body!) as { detail: { interaction_id: string } }).detail.interaction_id,
      ).toBe(interactionId);
    }
    await clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: first.queueUrl, WaitTimeSeconds: 0 }));
    const dead = await drainQueue(clients.sqs, first.dlqUrl);
    expect(dead).toHaveLength(1);
    expect((JSON.parse(dead[0]!.Body!) as { detail: { interaction_id: string } }).detail.interaction_id).toBe(
      interactionId,
    );
  });
});
