import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { transcriptEventsPattern } from "../app/events/transcript-events.js";
import {
  DEFAULT_BUS_NAME,
  eventsMaySendTo,
  PIPELINE,
  publisherMayDescribe,
  publisherMayPut,
  redrivePolicy,
  type PhysicalNames,
} from "./settings.js";
import { deadLetterAlarm, metricAlarm } from "./alarms.js";

export interface EventPipelineArgs {
  /** `default`, or the name of a custom bus this component creates. */
  busName: string;
  /** The `source` the service publishes with (`EVENT_SOURCE`). */
  eventSource: string;
  /**
   * Physical names for the queues and the rule. Absent: Pulumi names them from this component's name with a
   * random suffix, so stacks can share an account and a replacement is created before the old one is deleted.
   */
  names?: PhysicalNames;
  /** Alarm when the oldest message on the main queue is older than this. */
  oldestMessageAgeAlarmSeconds?: number;
  /** SNS topic notified when an alarm fires or recovers. */
  alarmTopicArn?: pulumi.Input<string>;
  tags?: Record<string, string>;
}

type Bus = { name: pulumi.Output<string>; arn: pulumi.Output<string> };

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

  private readonly tags: Record<string, string>;

  constructor(
    private readonly resourceName: string,
    private readonly args: EventPipelineArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("batch-transcription:events:EventPipeline", resourceName, {}, opts);
    this.tags = args.tags ?? {};

    const { queue, dlq, deliveryDlq } = this.createQueues();
    const { bus, rule } = this.createRouting(queue, deliveryDlq);
    this.createAlarms({ queue, dlq, deliveryDlq, bus, rule });
    const publisherPolicy = this.createPublisherAccess(bus);

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

  /** `name` when the stack fixes physical names, nothing (Pulumi's auto-naming) otherwise. */
  private named(name: string | undefined) {
    return name === undefined ? {} : { name };
  }

  /** The queue, its dead-letter queue, and the dead-letter queue for events EventBridge could not deliver. */
  private createQueues() {
    const parent = { parent: this };
    const names = this.args.names;
    const retention = {
      messageRetentionSeconds: PIPELINE.messageRetentionSeconds,
      sqsManagedSseEnabled: true,
      tags: this.tags,
    };
    const dlq = new aws.sqs.Queue(`${this.resourceName}-dlq`, { ...this.named(names?.dlq), ...retention }, parent);
    const queue = new aws.sqs.Queue(
      `${this.resourceName}-queue`,
      {
        ...this.named(names?.queue),
        visibilityTimeoutSeconds: PIPELINE.visibilityTimeoutSeconds,
        receiveWaitTimeSeconds: PIPELINE.receiveWaitTimeSeconds,
        redrivePolicy: dlq.arn.apply(redrivePolicy),
        ...retention,
      },
      parent,
    );
    const deliveryDlq = new aws.sqs.Queue(
      `${this.resourceName}-delivery-dlq`,
      { ...this.named(names?.deliveryDlq), ...retention },
      parent,
    );
    return { queue, dlq, deliveryDlq };
  }

  /** The bus, the rule matching the event contract, its target, and the queue policies letting only it send. */
  private createRouting(queue: aws.sqs.Queue, deliveryDlq: aws.sqs.Queue) {
    const parent = { parent: this };
    const bus: Bus =
      this.args.busName === DEFAULT_BUS_NAME
        ? aws.cloudwatch.getEventBusOutput({ name: DEFAULT_BUS_NAME }, parent)
        : new aws.cloudwatch.EventBus(`${this.resourceName}-bus`, { name: this.args.busName, tags: this.tags }, parent);
    const rule = new aws.cloudwatch.EventRule(
      `${this.resourceName}-rule`,
      {
        ...this.named(this.args.names?.rule),
        eventBusName: bus.name,
        description: "Routes BatchProcessingCompleted events to the meeting transcripts queue",
        eventPattern: JSON.stringify(transcriptEventsPattern(this.args.eventSource)),
        state: "ENABLED",
        tags: this.tags,
      },
      parent,
    );
    for (const [suffix, target] of [
      ["queue-policy", queue],
      ["delivery-dlq-policy", deliveryDlq],
    ] as const) {
      new aws.sqs.QueuePolicy(
        `${this.resourceName}-${suffix}`,
        {
          queueUrl: target.url,
          policy: aws.iam.getPolicyDocumentOutput({ statements: [eventsMaySendTo(target.arn, rule.arn)] }, parent).json,
        },
        parent,
      );
    }
    new aws.cloudwatch.EventTarget(
      `${this.resourceName}-target`,
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
    return { bus, rule };
  }

  /** Failed deliveries, anything in either dead-letter queue, and messages waiting too long. */
  private createAlarms({
    queue,
    dlq,
    deliveryDlq,
    bus,
    rule,
  }: {
    queue: aws.sqs.Queue;
    dlq: aws.sqs.Queue;
    deliveryDlq: aws.sqs.Queue;
    bus: Bus;
    rule: aws.cloudwatch.EventRule;
  }) {
    const common = { alarmTopicArn: this.args.alarmTopicArn, tags: this.tags };
    const parent = { parent: this };
    metricAlarm(
      `${this.resourceName}-failed-invocations-alarm`,
      {
        ...common,
        description: "EventBridge could not deliver transcripts events to the queue",
        namespace: "AWS/Events",
        metricName: "FailedInvocations",
        dimensions:
          this.args.busName === DEFAULT_BUS_NAME
            ? { RuleName: rule.name }
            : { RuleName: rule.name, EventBusName: bus.name },
        statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
      },
      parent,
    );
    for (const [suffix, target, description] of [
      ["dlq-alarm", dlq, "A consumer failed a transcripts message three times"],
      ["delivery-dlq-alarm", deliveryDlq, "EventBridge gave up delivering a transcripts event"],
    ] as const) {
      deadLetterAlarm(`${this.resourceName}-${suffix}`, { ...common, queueName: target.name, description }, parent);
    }
    metricAlarm(
      `${this.resourceName}-oldest-message-alarm`,
      {
        ...common,
        description: "Transcripts are waiting on the queue longer than expected",
        namespace: "AWS/SQS",
        metricName: "ApproximateAgeOfOldestMessage",
        dimensions: { QueueName: queue.name },
        statistic: "Maximum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: this.args.oldestMessageAgeAlarmSeconds ?? PIPELINE.defaultOldestMessageAgeAlarmSeconds,
      },
      parent,
    );
  }

  /** The least-privilege policy to attach to the service's credentials. */
  private createPublisherAccess(bus: Bus) {
    const parent = { parent: this };
    return new aws.iam.Policy(
      `${this.resourceName}-publisher-policy`,
      {
        description: "Lets the batch transcription service publish its events, and look up its bus, and nothing else",
        policy: aws.iam.getPolicyDocumentOutput(
          {
            statements: [publisherMayPut(bus.arn, pulumi.output(this.args.eventSource)), publisherMayDescribe(bus.arn)],
          },
          parent,
        ).json,
        tags: this.tags,
      },
      parent,
    );
  }
}
