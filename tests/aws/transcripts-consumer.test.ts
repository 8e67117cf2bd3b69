import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  createTranscriptsConsumer,
  parseEnvelope,
  printEvent,
  type ReceivedTranscriptEvent,
} from "../../tools/consumer/transcripts-consumer.js";
import { buildCompletedEvent } from "../../app/events/batch-processing-completed.js";
import type { Consumer } from "sqs-consumer";
import { captureLogger } from "../support/capture-logger.js";
import { awsClients, createTestPipeline, drainQueue, resetMoto, type TestPipeline } from "../support/moto.js";

const envelope = (id: string, interactionId: string) => ({
  version: "0",
  id,
  "detail-type": "BatchProcessingCompleted",
  source: "com.yourapp.transcription",
  time: "2026-01-01T00:00:00Z",
  region: "us-east-1",
  resources: [],
  detail: buildCompletedEvent({
    interactionId,
    tenantId: "11111111-1111-4111-8111-111111111111",
    userId: "ana@example.com",
    accountId: null,
    rawTranscript: "um the raw words",
    cleanedTranscript: "The raw words.",
    completedAt: new Date("2026-01-01T00:00:00.000Z"),
  }),
});

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(100);
  }
}

describe("the downstream consumer against moto_server", () => {
  const clients = awsClients();
  let pipeline: TestPipeline;
  let consumer: Consumer | undefined;

  beforeEach(async () => {
    await resetMoto();
    pipeline = await createTestPipeline(clients);
  });
  afterEach(() => consumer?.stop({ abort: true }));

  const send = (body: unknown) =>
    clients.sqs.send(
      new SendMessageCommand({
        QueueUrl: pipeline.queueUrl,
        MessageBody: typeof body === "string" ? body : JSON.stringify(body),
      }),
    );

  it("handles each event once, even when a message is delivered twice, and deletes both", async () => {
    const handled: ReceivedTranscriptEvent[] = [];
    const printed: string[] = [];
    const print = printEvent((line) => printed.push(line));
    const logs = captureLogger();
    consumer = createTranscriptsConsumer({
      sqs: clients.sqs,
      queueUrl: pipeline.queueUrl,
      log: logs.logger,
      waitTimeSeconds: 1,
      handler: async (event) => {
        handled.push(event);
        await print(event);
      },
    });
    const first = envelope("evt-1", "22222222-2222-4222-8222-222222222222");
    await send(first);
    await send(first);
    await send(envelope("evt-2", "33333333-3333-4333-8333-333333333333"));
    consumer.start();
    await until(() => logs.lines.some((line) => line.msg === "duplicate delivery skipped") && handled.length === 2);
    expect(handled.map((event) => event.id).sort()).toEqual(["evt-1", "evt-2"]);
    expect(printed.find((line) => line.includes("22222222"))).toBe(
      '2026-01-01T00:00:00Z BatchProcessingCompleted tenant=11111111-1111-4111-8111-111111111111 interaction=22222222-2222-4222-8222-222222222222 raw_length=16 cleaned_length=14 "The raw words."',
    );
    consumer.stop({ abort: true });
    // Its last receive is over (aborted) before the queue is read: nothing is held invisible by it.
    await until(() => !consumer!.status.isPolling);
    expect(await drainQueue(clients.sqs, pipeline.queueUrl, { waitMs: 500 })).toEqual([]);
  });

  it("leaves an invalid message on the queue, and it reaches the DLQ after 3 receives", async () => {
    const logs = captureLogger();
    const handled: string[] = [];
    consumer = createTranscriptsConsumer({
      sqs: clients.sqs,
      queueUrl: pipeline.queueUrl,
      log: logs.logger,
      waitTimeSeconds: 1,
      visibilityTimeout: 1,
      handler: (event) => {
        handled.push(event.id);
        return Promise.resolve();
      },
    });
    const invalid = {
      ...envelope("evt-bad", "44444444-4444-4444-8444-444444444444"),
      detail: { version: "1.0", status: "completed" },
    };
    await send(invalid);
    consumer.start();
    await until(
      async () => (await drainQueue(clients.sqs, pipeline.dlqUrl, { remove: false, waitMs: 200 })).length === 1,
      20_000,
    );
    expect(handled).toEqual([]);
    const warnings = logs.lines.filter((line) => line.msg === "invalid message left for the redrive policy");
    expect(warnings.length).toBe(3);
    expect(warnings[0]).toMatchObject({ reason: expect.stringMatching(/^detail/) as unknown });
  }, 30_000);

  it("rejects bodies that are not the contract's envelope", () => {
    expect(() => parseEnvelope("not json")).toThrow(/not JSON/);
    expect(() =>
      parseEnvelope(
        JSON.stringify({ ...envelope("e", "55555555-5555-4555-8555-555555555555"), "detail-type": "Other" }),
      ),
    ).toThrow(/detail-type/);
    expect(parseEnvelope(JSON.stringify(envelope("e", "55555555-5555-4555-8555-555555555555"))).detail.user_id).toBe(
      "ana@example.com",
    );
  });
});
