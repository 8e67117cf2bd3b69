import { beforeAll, describe, expect, it, vi } from "vitest";
import { transcriptEventsPattern } from "../../app/events/transcript-events.js";
import { ACCOUNT, installPulumiMocks, promiseOf, REGION, type RecordedResource } from "../support/pulumi-mocks.js";

const mocks = installPulumiMocks({
  "batch-transcription-events:tags": JSON.stringify({ team: "data" }),
  "batch-transcription-events:alarmTopicArn": `arn:aws:sns:${REGION}:${ACCOUNT}:oncall`,
  "batch-transcription-events:physicalNames": "design",
});
const program = await import("../../infra/index.js");
/** Resources register asynchronously: wait until the last ones (the alarms) are recorded. */
const registered = (prefix: string) =>
  vi.waitFor(
    () =>
      expect(
        ofType("aws:cloudwatch/metricAlarm:MetricAlarm").filter((alarm) => alarm.name.startsWith(prefix)),
      ).toHaveLength(4),
    { timeout: 10_000 },
  );

const QUEUE_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:meeting-transcripts-queue`;
const DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:meeting-transcripts-dlq`;
const DELIVERY_DLQ_ARN = `arn:aws:sqs:${REGION}:${ACCOUNT}:meeting-transcripts-delivery-dlq`;
const RULE_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:rule/capture-transcripts-rule`;
const BUS_ARN = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`;

const byName = (name: string): RecordedResource => {
  const found = mocks.resources.find((resource) => resource.name === name);
  if (!found) throw new Error(`no resource ${name}`);
  return found;
};
const ofType = (type: string) => mocks.resources.filter((resource) => resource.type === type);

describe("the Pulumi program (with Pulumi's mocks)", () => {
  beforeAll(async () => {
    await promiseOf(program.publisherPolicyArn);
    await registered("transcripts-");
  });

  it("exports every output the service and the verifier need", async () => {
    const outputs = Object.fromEntries(
      await Promise.all(
        (
          [
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
          ] as const
        ).map(async (key) => [key, await promiseOf(program[key])] as const),
      ),
    );
    expect(outputs).toEqual({
      queueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/meeting-transcripts-queue`,
      queueArn: QUEUE_ARN,
      dlqUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/meeting-transcripts-dlq`,
      dlqArn: DLQ_ARN,
      deliveryDlqUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/meeting-transcripts-delivery-dlq`,
      ruleArn: RULE_ARN,
      eventBusName: "default",
      eventBusArn: BUS_ARN,
      eventSource: "com.yourapp.transcription",
      publisherPolicyArn: expect.stringMatching(/^arn:aws:iam::123456789012:policy\//) as unknown,
    });
  });

  it("creates the queue with the design's settings, encrypted, redriving to the DLQ after 3 receives", () => {
    const queue = byName("transcripts-queue").inputs;
    expect(queue).toMatchObject({
      name: "meeting-transcripts-queue",
      visibilityTimeoutSeconds: 30,
      messageRetentionSeconds: 1_209_600,
      receiveWaitTimeSeconds: 0,
      sqsManagedSseEnabled: true,
    });
    expect(queue.fifoQueue).toBeUndefined();
    expect(JSON.parse(String(queue.redrivePolicy))).toEqual({ deadLetterTargetArn: DLQ_ARN, maxReceiveCount: 3 });
    for (const name of ["transcripts-dlq", "transcripts-delivery-dlq"]) {
      expect(byName(name).inputs).toMatchObject({ messageRetentionSeconds: 1_209_600, sqsManagedSseEnabled: true });
    }
  });

  it("routes exactly what the publisher sends, on the default bus, enabled", () => {
    expect(ofType("aws:cloudwatch/eventBus:EventBus")).toEqual([]);
    const rule = byName("transcripts-rule").inputs;
    expect(rule).toMatchObject({ name: "capture-transcripts-rule", eventBusName: "default", state: "ENABLED" });
    expect(JSON.parse(String(rule.eventPattern))).toEqual(transcriptEventsPattern("com.yourapp.transcription"));
  });

  it("targets the queue with the 24 h / 185 attempts retry policy and a delivery dead-letter queue", () => {
    expect(byName("transcripts-target").inputs).toEqual({
      rule: "capture-transcripts-rule",
      eventBusName: "default",
      targetId: "meeting-transcripts-queue",
      arn: QUEUE_ARN,
      retryPolicy: { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 },
      deadLetterConfig: { arn: DELIVERY_DLQ_ARN },
    });
  });

  it.each([
    ["transcripts-queue-policy", "meeting-transcripts-queue", QUEUE_ARN],
    ["transcripts-delivery-dlq-policy", "meeting-transcripts-delivery-dlq", DELIVERY_DLQ_ARN],
  ])("%s lets only EventBridge, on behalf of this rule, send to the queue", (name, queueName, arn) => {
    const policy = byName(name).inputs;
    expect(policy.queueUrl).toBe(`https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${queueName}`);
    expect(JSON.parse(String(policy.policy))).toEqual([
      {
        sid: "AllowCaptureRuleToSend",
        effect: "Allow",
        principals: [{ type: "Service", identifiers: ["events.amazonaws.com"] }],
        actions: ["sqs:SendMessage"],
        resources: [arn],
        conditions: [{ test: "ArnEquals", variable: "aws:SourceArn", values: [RULE_ARN] }],
      },
    ]);
    // Two queue policies and the publisher's here; the API's and the worker's for async jobs.
    expect(
      mocks.invokes.filter((invoke) => invoke.token === "aws:iam/getPolicyDocument:getPolicyDocument").length,
    ).toBe(3 + 2);
  });

  it("gives the publisher only events:PutEvents on this bus, for the contract's source, and a look at the bus", () => {
    expect(JSON.parse(String(byName("transcripts-publisher-policy").inputs.policy))).toEqual([
      {
        sid: "PublishBatchProcessingEvents",
        effect: "Allow",
        actions: ["events:PutEvents"],
        resources: [BUS_ARN],
        conditions: [{ test: "StringEquals", variable: "events:source", values: ["com.yourapp.transcription"] }],
      },
      { sid: "CheckTheBusAtStartup", effect: "Allow", actions: ["events:DescribeEventBus"], resources: [BUS_ARN] },
    ]);
  });

  it("alarms on failed deliveries, on anything in either DLQ, and on old messages, notifying the topic", () => {
    const alarms = Object.fromEntries(
      ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
        .filter((alarm) => alarm.name.startsWith("transcripts-"))
        .map((alarm) => [alarm.name, alarm.inputs]),
    );
    const notify = {
      alarmActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:oncall`],
      okActions: [`arn:aws:sns:${REGION}:${ACCOUNT}:oncall`],
    };
    expect(alarms["transcripts-failed-invocations-alarm"]).toMatchObject({
      namespace: "AWS/Events",
      metricName: "FailedInvocations",
      dimensions: { RuleName: "capture-transcripts-rule" },
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      ...notify,
    });
    expect(alarms["transcripts-dlq-alarm"]).toMatchObject({
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: "meeting-transcripts-dlq" },
      threshold: 0,
      ...notify,
    });
    expect(alarms["transcripts-delivery-dlq-alarm"]).toMatchObject({
      dimensions: { QueueName: "meeting-transcripts-delivery-dlq" },
      threshold: 0,
    });
    expect(alarms["transcripts-oldest-message-alarm"]).toMatchObject({
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: "meeting-transcripts-queue" },
      threshold: 900,
    });
    expect(Object.keys(alarms)).toHaveLength(4);
  });

  it("tags every taggable resource with the project, the stack and the configured tags", () => {
    const untaggable = new Set([
      "aws:sqs/queuePolicy:QueuePolicy",
      "aws:cloudwatch/eventTarget:EventTarget",
      "batch-transcription:events:EventPipeline",
    ]);
    const taggable = mocks.resources.filter(
      (resource) => resource.name.startsWith("transcripts") && !untaggable.has(resource.type),
    );
    expect(taggable.length).toBe(3 + 1 + 4 + 1);
    for (const resource of taggable) {
      expect(resource.inputs.tags, resource.name).toEqual({
        project: "batch-transcription-events",
        stack: "dev",
        team: "data",
      });
    }
  });

  it("creates a custom bus when asked, and puts the rule, target, alarm and publisher policy on it (Pulumi naming the rest)", async () => {
    const { EventPipeline } = await import("../../infra/event-pipeline.js");
    const pipeline = new EventPipeline("custom", { busName: "transcripts", eventSource: "com.acme.meetings" });
    const busArn = `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/transcripts`;
    expect(await promiseOf(pipeline.eventBusArn)).toBe(busArn);
    expect(await promiseOf(pipeline.ruleArn)).toBe(
      `arn:aws:events:${REGION}:${ACCOUNT}:rule/transcripts/custom-rule-a1b2c3d`,
    );
    await promiseOf(pipeline.publisherPolicyArn);
    await registered("custom-");
    expect(byName("custom-bus").inputs).toMatchObject({ name: "transcripts" });
    const rule = byName("custom-rule").inputs;
    expect(rule.name).toBeUndefined();
    expect(rule.eventBusName).toBe("transcripts");
    expect(JSON.parse(String(rule.eventPattern))).toEqual(transcriptEventsPattern("com.acme.meetings"));
    expect(byName("custom-target").inputs).toMatchObject({ eventBusName: "transcripts" });
    expect(byName("custom-failed-invocations-alarm").inputs).toMatchObject({
      dimensions: { RuleName: "custom-rule-a1b2c3d", EventBusName: "transcripts" },
      alarmActions: [],
    });
    expect(JSON.parse(String(byName("custom-publisher-policy").inputs.policy))).toMatchObject([
      {
        resources: [busArn],
        conditions: [{ test: "StringEquals", variable: "events:source", values: ["com.acme.meetings"] }],
      },
      { actions: ["events:DescribeEventBus"], resources: [busArn] },
    ]);
  });
});
