import { randomUUID } from "node:crypto";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { beforeEach, describe, expect, it } from "vitest";
import { buildCompletedEvent, DETAIL_TYPE } from "../../app/events/batch-processing-completed.js";
import { awsClients, drainQueue, motoUrl, resetMoto, TEST_CREDENTIALS } from "../support/moto.js";
import { runScript } from "../support/run-script.js";

const TENANT = "11111111-1111-4111-8111-111111111111";

describe("npm run consume against moto_server, as a real process", () => {
  const { sqs } = awsClients();
  let queueUrl: string;
  const consume = (args: string[]) =>
    runScript("scripts/consume.ts", args, {
      AWS_ENDPOINT_URL: motoUrl(),
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      QUEUE_URL: queueUrl,
    });

  /** Puts completed events on the queue as the rule delivers them: EventBridge envelopes. */
  async function deliver(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const interactionId = randomUUID();
      ids.push(interactionId);
      const detail = buildCompletedEvent({
        interactionId,
        tenantId: TENANT,
        userId: "u",
        accountId: null,
        rawTranscript: `Um, number ${index}, we ship on Friday.`,
        cleanedTranscript: `Number ${index}, we ship on Friday and the docs follow next week.`,
        completedAt: new Date("2026-11-28T10:00:00Z"),
      });
      const envelope = {
        version: "0",
        id: randomUUID(),
        "detail-type": DETAIL_TYPE,
        source: "com.yourapp.transcription",
        time: "2026-11-28T10:00:01Z",
        region: "us-east-1",
        resources: [],
        detail,
      };
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(envelope) }));
    }
    return ids;
  }

  beforeEach(async () => {
    await resetMoto();
    ({ QueueUrl: queueUrl = "" } = await sqs.send(new CreateQueueCommand({ QueueName: `consume-${Date.now()}` })));
  });

  it("--once prints one readable line per event, deletes them, and exits 0 when the queue is empty", async () => {
    const ids = await deliver(12);
    const result = await consume(["--once"]);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines).toHaveLength(12);
    expect(lines.map((line) => /interaction=(\S+)/.exec(line)?.[1]).sort()).toEqual([...ids].sort());
    expect(lines[0]).toMatch(
      new RegExp(
        `^2026-11-28T10:00:01Z BatchProcessingCompleted tenant=${TENANT} interaction=\\S+ raw_length=\\d+ cleaned_length=\\d+ "Number \\d+, we ship on Friday and the …"$`,
      ),
    );
    expect(await drainQueue(sqs, queueUrl)).toHaveLength(0);
  });

  it("--peek prints them and leaves every message on the queue, visible at once", async () => {
    await deliver(3);
    const result = await consume(["--peek"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim().split("\n")).toHaveLength(3);
    expect(await drainQueue(sqs, queueUrl)).toHaveLength(3);
  });

  it("four peeks in a row leave every message on the queue with all its receives, none in the DLQ", async () => {
    const { QueueUrl: dlqUrl = "" } = await sqs.send(
      new CreateQueueCommand({ QueueName: `consume-dlq-${Date.now()}` }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ["QueueArn"] }),
    );
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes!.QueueArn, maxReceiveCount: 3 }),
        },
      }),
    );
    const ids = await deliver(3);
    for (let peek = 1; peek <= 4; peek++) {
      const result = await consume(["--peek"]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout.trim().split("\n"), `peek ${peek}`).toHaveLength(3);
    }
    expect(await drainQueue(sqs, dlqUrl)).toHaveLength(0);
    const left = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
    );
    const messages = left.Messages ?? [];
    expect(
      messages
        .map((message) => (JSON.parse(message.Body!) as { detail: { interaction_id: string } }).detail.interaction_id)
        .sort(),
    ).toEqual([...ids].sort());
    // A consumer's first receive after the peeks is its first: all three of its tries are left.
    expect(messages.map((message) => message.Attributes?.ApproximateReceiveCount)).toEqual(["1", "1", "1"]);
  });

  it("--help says what a receive costs and how --peek avoids it", async () => {
    const result = await consume(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Every receive of a message counts/);
    expect(result.stdout).toMatch(/fresh copy/);
  });

  it("--json prints one whole event per line, transcripts inline, for jq", async () => {
    const [id] = await deliver(1);
    const result = await consume(["--once", "--json"]);
    const event = JSON.parse(result.stdout) as {
      "detail-type": string;
      detail: { interaction_id: string; data: { cleaned_transcript: string } };
    };
    expect(event["detail-type"]).toBe(DETAIL_TYPE);
    expect(event.detail.interaction_id).toBe(id);
    expect(event.detail.data.cleaned_transcript).toBe("Number 0, we ship on Friday and the docs follow next week.");
  });

  it("a queue that does not exist is exit 3, in one line", async () => {
    queueUrl = `${motoUrl()}/123456789012/no-such-queue`;
    const result = await consume(["--once"]);
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`npm run consume: the queue does not exist: ${queueUrl}\n`);
  });
});
