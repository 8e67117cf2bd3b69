import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_BUS_NAME, eventsMaySendTo, PIPELINE, publisherMayPut, redrivePolicy } from "./settings.js";
import { completedEventPattern } from "../app/events/batch-processing-completed.js";

export interface EventPipelineArgs {
  /** `default`, or the name of a custom bus this component creates. */
  busName: string;
  /** The `source` the service publishes with (`EVENT_SOURCE`). */
  eventSource: string;
  /** Alarm when the oldest message on the main queue is older than this. */
  oldestMessageAgeAlarmSeconds?: number;
  /** SNS topic notified when an alarm fires or recovers. */
  alarmTopicArn?: pulumi.Input<string>;
  tags?: Record<string, string>;
}

/**
 * Everything between the publisher and the consumers: the queue and its dead-letter queue, the rule that
 * routes `BatchProcessingCompleted` to the queue (with its own dead-letter queue for undeliverable events),
 * the queue policies that let only that rule send, the alarms, and the publisher's least-privilege policy.
 */
export class EventPipeline extends pulumi.ComponentResource {
  public readonly queueUrl: pulumi.Output<string>;
  public readonly queueArn: pulumi.Output<string>;
  public readonly dlqUrl: pulumi.Output<string>;
  public readonly dlqArn: pulumi.Output<string>;
  public readonly deliveryDlqUrl: pulumi.Output<string>;
  public readonly ruleArn: pulumi.Output<string>;
  public readonly eventBusName: pulumi.Output<string>;
  public readonly eventBusArn: pulumi.Output<string>;
  public readonly eventSource: pulumi.Output<string>;
  public readonly publisherPolicyArn: pulumi.Output<string>;

  constructor(name: string, args: EventPipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("batch-transcription:events:EventPipeline", name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags ?? {};
    const retention = { messageRetentionSeconds: PIPELINE.messageRetentionSeconds, sqsManagedSseEnabled: true, tags };

    const dlq = new aws.sqs.Queue(`${name}-dlq`, { name: PIPELINE.dlqName, ...retention }, parent);
    const queue = new aws.sqs.Queue(
      `${name}-queue`,
      {
        name: PIPELINE.queueName,
        visibilityTimeoutSeconds: PIPELINE.visibilityTimeoutSeconds,
        receiveWaitTimeSeconds: PIPELINE.receiveWaitTimeSeconds,
        redrivePolicy: dlq.arn.apply(redrivePolicy),
        ...retention,
      },
      parent,
    );
    const deliveryDlq = new aws.sqs.Queue(`${name}-delivery-dlq`, { name: PIPELINE.deliveryDlqName, ...retention }, parent);

    const bus =
      args.busName === DEFAULT_BUS_NAME
        ? aws.cloudwatch.getEventBusOutput({ name: DEFAULT_BUS_NAME }, parent)
        : new aws.cloudwatch.EventBus(`${name}-bus`, { name: args.busName, tags }, parent);

    const rule = new aws.cloudwatch.EventRule(
      `${name}-rule`,
      {
        name: PIPELINE.ruleName,
        eventBusName: bus.name,
        description: "Routes BatchProcessingCompleted events to the meeting transcripts queue",
        eventPattern: JSON.stringify(completedEventPattern(args.eventSource)),
        state: "ENABLED",
        tags,
      },
      parent,
    );

    for (const [suffix, target] of [
      ["queue-policy", queue],
      ["delivery-dlq-policy", deliveryDlq],
    ] as const) {
      new aws.sqs.QueuePolicy(
        `${name}-${suffix}`,
        {
          queueUrl: target.url,
          policy: aws.iam.getPolicyDocumentOutput({ statements: [eventsMaySendTo(target.arn, rule.arn)] }, parent).json,
        },
        parent,
      );
    }

    new aws.cloudwatch.EventTarget(
      `${name}-target`,
      {
        rule: rule.name,
        eventBusName: bus.name,
        targetId: PIPELINE.targetId,
        arn: queue.arn,
        retryPolicy: PIPELINE.retryPolicy,
        deadLetterConfig: { arn: deliveryDlq.arn },
      },
      parent,
    );

    const alarmActions = args.alarmTopicArn === undefined ? [] : [args.alarmTopicArn];
    const alarm = (suffix: string, description: string, settings: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmDescription">) =>
      new aws.cloudwatch.MetricAlarm(
        `${name}-${suffix}`,
        {
          alarmDescription: description,
          period: 300,
          evaluationPeriods: 1,
          treatMissingData: "notBreaching",
          alarmActions,
          okActions: alarmActions,
          tags,
          ...settings,
        },
        parent,
      );

    alarm("failed-invocations-alarm", "EventBridge could not deliver transcripts events to the queue", {
      namespace: "AWS/Events",
      metricName: "FailedInvocations",
      dimensions:
        args.busName === DEFAULT_BUS_NAME ? { RuleName: rule.name } : { RuleName: rule.name, EventBusName: bus.name },
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
    });
    for (const [suffix, target, what] of [
      ["dlq-alarm", dlq, "A consumer failed a transcripts message three times"],
      ["delivery-dlq-alarm", deliveryDlq, "EventBridge gave up delivering a transcripts event"],
    ] as const) {
      alarm(suffix, what, {
        namespace: "AWS/SQS",
        metricName: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: target.name },
        statistic: "Maximum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
      });
    }
    alarm("oldest-message-alarm", "Transcripts are waiting on the queue longer than expected", {
      namespace: "AWS/SQS",
      metricName: "ApproximateAgeOfOldestMessage",
      dimensions: { QueueName: queue.name },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: args.oldestMessageAgeAlarmSeconds ?? PIPELINE.defaultOldestMessageAgeAlarmSeconds,
    });

    const publisherPolicy = new aws.iam.Policy(
      `${name}-publisher-policy`,
      {
        description: "Lets the batch transcription service publish BatchProcessingCompleted events, and nothing else",
        policy: aws.iam.getPolicyDocumentOutput({ statements: [publisherMayPut(bus.arn, pulumi.output(args.eventSource))] }, parent)
          .json,
        tags,
      },
      parent,
    );

    this.queueUrl = queue.url;
    this.queueArn = queue.arn;
    this.dlqUrl = dlq.url;
    this.dlqArn = dlq.arn;
    this.deliveryDlqUrl = deliveryDlq.url;
    this.ruleArn = rule.arn;
    this.eventBusName = bus.name;
    this.eventBusArn = bus.arn;
    this.eventSource = pulumi.output(args.eventSource);
    this.publisherPolicyArn = publisherPolicy.arn;
    this.registerOutputs({
      queueUrl: this.queueUrl,
      queueArn: this.queueArn,
      dlqUrl: this.dlqUrl,
      dlqArn: this.dlqArn,
      deliveryDlqUrl: this.deliveryDlqUrl,
      ruleArn: this.ruleArn,
      eventBusName: this.eventBusName,
      eventBusArn: this.eventBusArn,
      eventSource: this.eventSource,
      publisherPolicyArn: this.publisherPolicyArn,
    });
  }
}
