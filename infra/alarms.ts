import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

export interface AlarmArgs extends Omit<
  aws.cloudwatch.MetricAlarmArgs,
  "alarmDescription" | "alarmActions" | "okActions" | "tags"
> {
  description: string;
  /** Where the alarm and its recovery are sent; none when not given. */
  alarmTopicArn?: pulumi.Input<string> | undefined;
  tags: Record<string, string>;
}

/** A CloudWatch alarm as this program makes them all: 5-minute periods, one to trip it, silence is fine. */
export function metricAlarm(
  resourceName: string,
  { description, alarmTopicArn, tags, ...metric }: AlarmArgs,
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm {
  const alarmActions = alarmTopicArn === undefined ? [] : [alarmTopicArn];
  return new aws.cloudwatch.MetricAlarm(
    resourceName,
    {
      alarmDescription: description,
      period: 300,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
      alarmActions,
      okActions: alarmActions,
      tags,
      ...metric,
    },
    opts,
  );
}

/** An alarm on anything visible in a dead-letter queue: one message there already needs an operator. */
export function deadLetterAlarm(
  resourceName: string,
  args: {
    queueName: pulumi.Input<string>;
    description: string;
    alarmTopicArn?: pulumi.Input<string> | undefined;
    tags: Record<string, string>;
  },
  opts: pulumi.CustomResourceOptions,
): aws.cloudwatch.MetricAlarm {
  const { queueName, ...alarm } = args;
  return metricAlarm(
    resourceName,
    {
      ...alarm,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: queueName },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
    },
    opts,
  );
}
