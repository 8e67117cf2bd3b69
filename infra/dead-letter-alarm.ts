import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";

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
  const alarmActions = args.alarmTopicArn === undefined ? [] : [args.alarmTopicArn];
  return new aws.cloudwatch.MetricAlarm(
    resourceName,
    {
      alarmDescription: args.description,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: args.queueName },
      statistic: "Maximum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      period: 300,
      evaluationPeriods: 1,
      treatMissingData: "notBreaching",
      alarmActions,
      okActions: alarmActions,
      tags: args.tags,
    },
    opts,
  );
}
