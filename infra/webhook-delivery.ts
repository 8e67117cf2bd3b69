import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { deadLetterAlarm } from "./alarms.js";
import { DELIVERY_QUEUE } from "../app/jobs/job-resources.js";
import { deliveryRedrivePolicy } from "./job-settings.js";

export interface WebhookDeliveryArgs {
  /** Physical names; absent: Pulumi names them. */
  names?: { queue: string; dlq: string };
  alarmTopicArn?: pulumi.Input<string>;
  tags?: Record<string, string>;
}

/**
 * Where webhook deliveries wait between tries: the delivery queue, consumed by the workers (a try's retry
 * is put off through its message's visibility), its dead-letter queue for messages no worker can process,
 * and an alarm on that DLQ.
 */
export class WebhookDelivery extends pulumi.ComponentResource {
  public readonly queueUrl: pulumi.Output<string>;
  public readonly queueArn: pulumi.Output<string>;
  public readonly dlqUrl: pulumi.Output<string>;

  constructor(name: string, args: WebhookDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("batch-transcription:webhooks:WebhookDelivery", name, {}, opts);
    const parent = { parent: this };
    const tags = args.tags ?? {};
    const dlq = new aws.sqs.Queue(
      `${name}-dlq`,
      {
        ...(args.names && { name: args.names.dlq }),
        messageRetentionSeconds: DELIVERY_QUEUE.dlqMessageRetentionSeconds,
        sqsManagedSseEnabled: true,
        tags,
      },
      parent,
    );
    const queue = new aws.sqs.Queue(
      `${name}-queue`,
      {
        ...(args.names && { name: args.names.queue }),
        visibilityTimeoutSeconds: DELIVERY_QUEUE.visibilityTimeoutSeconds,
        messageRetentionSeconds: DELIVERY_QUEUE.messageRetentionSeconds,
        receiveWaitTimeSeconds: 20,
        redrivePolicy: dlq.arn.apply(deliveryRedrivePolicy),
        sqsManagedSseEnabled: true,
        tags,
      },
      parent,
    );
    deadLetterAlarm(
      `${name}-dlq-alarm`,
      {
        queueName: dlq.name,
        description: "A webhook delivery message could not be processed and was dead-lettered",
        alarmTopicArn: args.alarmTopicArn,
        tags,
      },
      parent,
    );
    this.queueUrl = queue.url;
    this.queueArn = queue.arn;
    this.dlqUrl = dlq.url;
    this.registerOutputs({ queueUrl: this.queueUrl, queueArn: this.queueArn, dlqUrl: this.dlqUrl });
  }
}
