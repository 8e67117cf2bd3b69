import { SendMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import * as v from "valibot";
import { UUID_V4 } from "../domain/ids.js";
import type { WorkMessage } from "./job-record.js";

/** Hands a job to the workers. */
export interface WorkQueue {
  send(message: WorkMessage): Promise<void>;
}

export function createSqsWorkQueue(client: SQSClient, queueUrl: string): WorkQueue {
  return {
    async send(message) {
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(message) }));
    },
  };
}

const WorkMessageSchema = v.strictObject({
  version: v.literal(1),
  tenant_id: v.pipe(v.string(), v.regex(UUID_V4)),
  job_id: v.pipe(v.string(), v.regex(UUID_V4)),
});

/** Reads a work message's body; `undefined` for anything that is not one. */
export function parseWorkMessage(body: string | undefined): WorkMessage | undefined {
  try {
    const parsed = v.safeParse(WorkMessageSchema, JSON.parse(body ?? ""));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}
