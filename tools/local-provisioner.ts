import {
  CreateEventBusCommand,
  DescribeEventBusCommand,
  PutRuleCommand,
  PutTargetsCommand,
  ResourceNotFoundException,
  type EventBridgeClient,
} from "@aws-sdk/client-eventbridge";
import { SetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import {
  DEFAULT_BUS_NAME,
  eventsMaySendTo,
  physicalNames,
  PIPELINE,
  policyJson,
  redrivePolicy,
  type PhysicalNames,
} from "../infra/settings.js";
import { transcriptEventsPattern } from "../app/events/transcript-events.js";
import { ensureQueue } from "./local-resources.js";

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
