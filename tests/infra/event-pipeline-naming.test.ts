import { describe, expect, it, vi } from "vitest";
import { DESIGN_NAMES, eventsMaySendTo, physicalNames, policyJson, publisherMayPut } from "../../infra/settings.js";
import { installPulumiMocks, promiseOf } from "../support/pulumi-mocks.js";

// No `physicalNames` setting: the program leaves naming to Pulumi.
const mocks = installPulumiMocks({});
const program = await import("../../infra/index.js");
const { EventPipeline } = await import("../../infra/event-pipeline.js");

describe("physical names two stacks can share an account with", () => {
  it("by default gives the queues and the rule no fixed name, so Pulumi names them and can create before it deletes", async () => {
    await promiseOf(program.publisherPolicyArn);
    await promiseOf(program.workerPolicyArn);
    await vi.waitFor(
      () =>
        expect(
          mocks.resources.filter((resource) => resource.type === "aws:cloudwatch/metricAlarm:MetricAlarm"),
        ).toHaveLength(4 + 1 + 1),
      { timeout: 10_000 },
    );
    const named = mocks.resources.filter((resource) =>
      ["aws:sqs/queue:Queue", "aws:cloudwatch/eventRule:EventRule", "aws:dynamodb/table:Table"].includes(resource.type),
    );
    expect(named).toHaveLength(4 + 2 + 2 + 2);
    for (const resource of named) expect(resource.inputs.name, resource.name).toBeUndefined();
    const buckets = mocks.resources.filter((resource) => resource.type === "aws:s3/bucket:Bucket");
    expect(buckets).toHaveLength(1);
    expect(buckets[0]!.inputs.bucket).toBeUndefined();
  });

  it("puts two pipelines in one program without a single name in common", async () => {
    const dev = new EventPipeline("dev-transcripts", { busName: "default", eventSource: "com.yourapp.transcription" });
    const prod = new EventPipeline("prod-transcripts", {
      busName: "default",
      eventSource: "com.yourapp.transcription",
    });
    const urls = await Promise.all(
      [dev.queueUrl, dev.dlqUrl, dev.deliveryDlqUrl, prod.queueUrl, prod.dlqUrl, prod.deliveryDlqUrl].map(promiseOf),
    );
    expect(new Set(urls).size).toBe(6);
    expect(await promiseOf(dev.ruleArn)).not.toBe(await promiseOf(prod.ruleArn));
  });

  it("names the same resources the same way for the Pulumi program and the local provisioner", () => {
    expect(physicalNames("design")).toEqual({
      queue: "meeting-transcripts-queue",
      dlq: "meeting-transcripts-dlq",
      deliveryDlq: "meeting-transcripts-delivery-dlq",
      rule: "capture-transcripts-rule",
    });
    expect(physicalNames("design")).toBe(DESIGN_NAMES);
    expect(physicalNames({ prefix: "transcripts-prod" })).toEqual({
      queue: "transcripts-prod-queue",
      dlq: "transcripts-prod-dlq",
      deliveryDlq: "transcripts-prod-delivery-dlq",
      rule: "transcripts-prod-rule",
    });
  });
});

describe("policy documents for clients without Pulumi (the local provisioner)", () => {
  it("renders the queue policy as IAM JSON", () => {
    expect(
      JSON.parse(policyJson([eventsMaySendTo("arn:aws:sqs:us-east-1:1:q", "arn:aws:events:us-east-1:1:rule/r")])),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AllowCaptureRuleToSend",
          Effect: "Allow",
          Principal: { Service: "events.amazonaws.com" },
          Action: "sqs:SendMessage",
          Resource: "arn:aws:sqs:us-east-1:1:q",
          Condition: { ArnEquals: { "aws:SourceArn": "arn:aws:events:us-east-1:1:rule/r" } },
        },
      ],
    });
  });

  it("renders the publisher policy as IAM JSON", () => {
    expect(
      JSON.parse(
        policyJson([publisherMayPut("arn:aws:events:us-east-1:1:event-bus/default", "com.yourapp.transcription")]),
      ),
    ).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "PublishBatchProcessingEvents",
          Effect: "Allow",
          Action: "events:PutEvents",
          Resource: "arn:aws:events:us-east-1:1:event-bus/default",
          Condition: { StringEquals: { "events:source": "com.yourapp.transcription" } },
        },
      ],
    });
  });
});
