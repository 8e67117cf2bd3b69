import * as pulumi from "@pulumi/pulumi";
import { EventPipeline } from "./event-pipeline.js";
import { JobInfrastructure } from "./job-infrastructure.js";
import { WebhookDelivery } from "./webhook-delivery.js";
import { DEFAULT_BUS_NAME, DEFAULT_EVENT_SOURCE, DESIGN_NAMES } from "./settings.js";
import { DESIGN_JOB_NAMES } from "./job-settings.js";

const config = new pulumi.Config();
const alarmTopicArn = config.get("alarmTopicArn");
/** `design`: the design's fixed names (one such stack per account); `auto` (default): Pulumi names them. */
const naming = config.get("physicalNames") ?? "auto";
if (naming !== "design" && naming !== "auto") throw new Error(`physicalNames must be design or auto, not ${naming}`);

const tags = {
  project: pulumi.getProject(),
  stack: pulumi.getStack(),
  ...config.getObject<Record<string, string>>("tags"),
};

const pipeline = new EventPipeline("transcripts", {
  busName: config.get("eventBusName") ?? DEFAULT_BUS_NAME,
  eventSource: config.get("eventSource") ?? DEFAULT_EVENT_SOURCE,
  ...(naming === "design" && { names: DESIGN_NAMES }),
  oldestMessageAgeAlarmSeconds: config.getNumber("oldestMessageAgeAlarmSeconds"),
  ...(alarmTopicArn !== undefined && { alarmTopicArn }),
  tags,
});

const webhooks = new WebhookDelivery("webhooks", {
  ...(naming === "design" && {
    names: { queue: DESIGN_JOB_NAMES.deliveryQueue, dlq: DESIGN_JOB_NAMES.deliveryDlq },
  }),
  ...(alarmTopicArn !== undefined && { alarmTopicArn }),
  tags,
});

const jobs = new JobInfrastructure("jobs", {
  ...(naming === "design" && { names: DESIGN_JOB_NAMES }),
  uploadRetentionDays: config.getNumber("uploadRetentionDays"),
  resultRetentionDays: config.getNumber("resultRetentionDays"),
  deliveryQueueArn: webhooks.queueArn,
  ...(alarmTopicArn !== undefined && { alarmTopicArn }),
  tags,
});

export const queueUrl = pipeline.queueUrl;
export const queueArn = pipeline.queueArn;
export const dlqUrl = pipeline.dlqUrl;
export const dlqArn = pipeline.dlqArn;
export const deliveryDlqUrl = pipeline.deliveryDlqUrl;
export const ruleArn = pipeline.ruleArn;
export const eventBusName = pipeline.eventBusName;
export const eventBusArn = pipeline.eventBusArn;
export const eventSource = pipeline.eventSource;
export const publisherPolicyArn = pipeline.publisherPolicyArn;

// Read by the API and the workers as UPLOAD_BUCKET, WORK_QUEUE_URL and JOBS_TABLE.
export const uploadBucketName = jobs.uploadBucketName;
export const workQueueUrl = jobs.workQueueUrl;
export const workDlqUrl = jobs.workDlqUrl;
export const jobsTableName = jobs.jobsTableName;
// Read by the API as IDEMPOTENCY_TABLE.
export const idempotencyTableName = jobs.idempotencyTableName;
export const apiPolicyArn = jobs.apiPolicyArn;
// Read by the API and the workers as WEBHOOK_QUEUE_URL.
export const webhookQueueUrl = webhooks.queueUrl;
export const webhookDlqUrl = webhooks.dlqUrl;
export const workerPolicyArn = jobs.workerPolicyArn;
