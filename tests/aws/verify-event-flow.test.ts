import { DeleteRuleCommand, RemoveTargetsCommand } from "@aws-sdk/client-eventbridge";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { provisionLocalPipeline, type PipelineOutputs } from "../../tools/local-provisioner.js";
import { awsClients, motoUrl, resetMoto, TEST_CREDENTIALS } from "../support/moto.js";
import { runScript } from "../support/run-script.js";

const credentials = {
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
};
const fast = ["--interval", "0.5", "--timeout", "3"];

describe("npm run verify against moto_server", () => {
  const clients = awsClients();
  let stack: PipelineOutputs;
  const verify = (args: string[], env: Record<string, string> = credentials) =>
    runScript("scripts/verify-event-flow.ts", [...args, ...fast], { AWS_ENDPOINT_URL: motoUrl(), ...env });

  beforeEach(async () => {
    await resetMoto();
    stack = await provisionLocalPipeline({ ...clients, busName: "default", source: "com.yourapp.transcription" });
  });

  async function removeRule() {
    await clients.eventBridge.send(
      new RemoveTargetsCommand({ Rule: "capture-transcripts-rule", Ids: ["meeting-transcripts-queue"] }),
    );
    await clients.eventBridge.send(new DeleteRuleCommand({ Name: "capture-transcripts-rule" }));
  }

  it("exits 0 on a provisioned stack, reading the queue from a stack-outputs file", async () => {
    const outputs = join(tmpdir(), `outputs-${Date.now()}.json`);
    await writeFile(outputs, JSON.stringify(stack));
    const result = await verify(["--outputs", outputs]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/OK received/);
  });

  it("takes the queue from QUEUE_URL too", async () => {
    const result = await verify([], { ...credentials, QUEUE_URL: stack.queueUrl });
    expect(result.code).toBe(0);
  });

  it("exits 1 when the rule is missing and nothing arrives", async () => {
    await removeRule();
    const result = await verify(["--queue-url", stack.queueUrl]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/not received within 3 s/);
  });

  it("exits 2 when there are no usable credentials", async () => {
    const result = await verify(["--queue-url", stack.queueUrl], {
      AWS_EC2_METADATA_DISABLED: "true",
      HOME: "/nonexistent",
    });
    expect(result.code).toBe(2);
  });

  it("exits 3 for an unknown queue", async () => {
    const result = await verify(["--queue-url", stack.queueUrl.replace("meeting-transcripts-queue", "no-such-queue")]);
    expect(result.code).toBe(3);
  });

  it("exits 4 when what arrives is a BatchProcessingCompleted message with a malformed detail", async () => {
    // Deterministic: the rule is gone, so the malformed message already on the queue is the only one there.
    await removeRule();
    await clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: stack.queueUrl,
        MessageBody: JSON.stringify({
          "detail-type": "BatchProcessingCompleted",
          source: "com.yourapp.transcription",
          detail: { version: "0.9" },
        }),
      }),
    );
    const result = await verify(["--queue-url", stack.queueUrl]);
    expect(result.code).toBe(4);
    expect(result.stdout).toMatch(/breaks the contract/);
  });
});
