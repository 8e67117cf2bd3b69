import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from "@aws-sdk/client-sqs";
import { inject } from "vitest";
import { provisionLocalPipeline, type PipelineOutputs } from "../../tools/local-provisioner.js";

export const REGION = "us-east-1";
export const TEST_CREDENTIALS = { accessKeyId: "testing", secretAccessKey: "testing" };

export function motoUrl(): string {
  return inject("motoUrl");
}

/** Forgets every resource in the emulator, so each suite starts from nothing. */
export async function resetMoto(url = motoUrl()): Promise<void> {
  const response = await fetch(`${url}/moto-api/reset`, { method: "POST" });
  if (!response.ok) throw new Error(`moto reset failed: ${response.status}`);
}

export function awsClients(endpoint = motoUrl()) {
  const config = { region: REGION, endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 };
  return {
    eventBridge: new EventBridgeClient(config),
    sqs: new SQSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    dynamodb: new DynamoDBClient(config),
  };
}

export type TestPipeline = PipelineOutputs;

/** The pipeline exactly as `npm run infra:local` provisions it: a DLQ, the queue, the rule and its target. */
export function createTestPipeline(
  clients: ReturnType<typeof awsClients>,
  { busName = "default", source = "com.yourapp.transcription" } = {},
): Promise<TestPipeline> {
  return provisionLocalPipeline({ ...clients, busName, source });
}

export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const attributes = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  return attributes.Attributes!.QueueArn!;
}

/** Everything on the queue now, received once (and deleted unless told to leave it). */
export async function drainQueue(
  sqs: SQSClient,
  queueUrl: string,
  { remove = true, waitMs = 1_000 } = {},
): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        AttributeNames: ["All"],
      }),
    );
    for (const message of received.Messages ?? []) {
      messages.push(message);
      if (remove)
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
    if ((received.Messages ?? []).length === 0 && messages.length > 0) break;
    if ((received.Messages ?? []).length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return messages;
}
