import { CreateEventBusCommand, EventBridgeClient, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from "@aws-sdk/client-sqs";
import { inject } from "vitest";
import { completedEventPattern } from "../../app/events/batch-processing-completed.js";

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
  return { eventBridge: new EventBridgeClient(config), sqs: new SQSClient(config) };
}

export interface TestPipeline {
  queueUrl: string;
  dlqUrl: string;
  busName: string;
}

/** A DLQ, a queue redriving to it after 3 receives, and a rule for the contract's events targeting the queue. */
export async function createTestPipeline(
  clients: ReturnType<typeof awsClients>,
  { busName = "default", source = "com.yourapp.transcription", visibilityTimeout = 30 } = {},
): Promise<TestPipeline> {
  const { sqs, eventBridge } = clients;
  if (busName !== "default") await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: "test-dlq" }));
  const dlqArn = await queueArn(sqs, dlq.QueueUrl!);
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: "test-queue",
      Attributes: {
        VisibilityTimeout: String(visibilityTimeout),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 3 }),
      },
    }),
  );
  await eventBridge.send(
    new PutRuleCommand({ Name: "test-rule", EventBusName: busName, EventPattern: JSON.stringify(completedEventPattern(source)), State: "ENABLED" }),
  );
  await eventBridge.send(
    new PutTargetsCommand({ Rule: "test-rule", EventBusName: busName, Targets: [{ Id: "queue", Arn: await queueArn(sqs, queue.QueueUrl!) }] }),
  );
  return { queueUrl: queue.QueueUrl!, dlqUrl: dlq.QueueUrl!, busName };
}

export async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
  return attributes.Attributes!.QueueArn!;
}

/** Everything on the queue now, received once (and deleted unless told to leave it). */
export async function drainQueue(sqs: SQSClient, queueUrl: string, { remove = true, waitMs = 1_000 } = {}): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, AttributeNames: ["All"] }));
    for (const message of received.Messages ?? []) {
      messages.push(message);
      if (remove) await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }));
    }
    if ((received.Messages ?? []).length === 0 && messages.length > 0) break;
    if ((received.Messages ?? []).length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return messages;
}
