import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import * as v from "valibot";
import { FAILURE_CODES } from "../domain/failures.js";
import { UUID_V4 } from "../domain/ids.js";
import { FAILURE_STAGES } from "../events/batch-processing-failed.js";
import type { JobError, JobRecord } from "../jobs/job-record.js";

/** What ended a job, as a webhook says it. */
export const WEBHOOK_TYPES = { completed: "batch.processing.completed", failed: "batch.processing.failed" } as const;
export type JobEnding = keyof typeof WEBHOOK_TYPES;

/** One delivery: which job, how it ended, and the id every try of it is sent with (`webhook-id`). */
const DeliveryMessage = v.strictObject({
  version: v.literal(1),
  webhook_id: v.pipe(v.string(), v.regex(/^msg_[A-Za-z0-9_-]{1,80}$/)),
  tenant_id: v.pipe(v.string(), v.regex(UUID_V4)),
  job_id: v.pipe(v.string(), v.regex(UUID_V4)),
  ending: v.picklist(["completed", "failed"]),
  /** A failed job's error, carried here: the record may not say it yet when the delivery is made. */
  error: v.optional(
    v.object({ code: v.picklist(FAILURE_CODES), message: v.string(), stage: v.picklist(FAILURE_STAGES) }),
  ),
});
export type DeliveryMessage = v.InferOutput<typeof DeliveryMessage>;

/** The delivery of a job's ending has one id, whoever queues it and however often: receivers de-duplicate by it. */
export const webhookIdOf = (jobId: string, ending: JobEnding) => `msg_${jobId.replaceAll("-", "")}_${ending}`;

/**
 * Queues the callback of a job's ending, when it asked for one and webhooks are configured: the one way a
 * job's worker and the dead-letter consumer hand an ending to the delivery workers.
 */
export async function queueCallback(
  deliveries: DeliveryQueue | undefined,
  job: Pick<JobRecord, "interactionId" | "tenantId" | "callback">,
  ending: JobEnding,
  error?: JobError,
): Promise<void> {
  if (job.callback === undefined || deliveries === undefined) return;
  await deliveries.send({
    version: 1,
    webhook_id: webhookIdOf(job.interactionId, ending),
    tenant_id: job.tenantId,
    job_id: job.interactionId,
    ending,
    ...(error !== undefined && { error }),
  });
}

/** Hands a job's ending to the delivery workers. */
export interface DeliveryQueue {
  send(message: DeliveryMessage): Promise<void>;
}

export function createSqsDeliveryQueue(client: SQSClient, queueUrl: string): DeliveryQueue {
  return {
    async send(message) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
    },
  };
}

/** Reads a delivery message; `undefined` for anything that is not one. */
export function parseDeliveryMessage(body: string | undefined): DeliveryMessage | undefined {
  try {
    const parsed = v.safeParse(DeliveryMessage, JSON.parse(body ?? ""));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}
