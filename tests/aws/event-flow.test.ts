import { readFile } from "node:fs/promises";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { SendMessageCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCompletedEvent } from "../../app/events/batch-processing-completed.js";
import { COMPLETED_EVENT_SCHEMA_PATH } from "../../scripts/event-schema-file.js";
import { createEventBridgePublisher } from "../../app/events/eventbridge-publisher.js";
import { startFaultProxy, type Fault } from "../support/fault-proxy.js";
import {
  awsClients,
  createTestPipeline,
  drainQueue,
  motoUrl,
  REGION,
  resetMoto,
  TEST_CREDENTIALS,
  type TestPipeline,
} from "../support/moto.js";
import { buildTestApp, FIXTURES, postUpload, uploadForm } from "../support/test-app.js";

const validateDetail = new Ajv2020().compile(JSON.parse(await readFile(COMPLETED_EVENT_SCHEMA_PATH, "utf8")) as object);

interface Envelope {
  id: string;
  source: string;
  "detail-type": string;
  detail: Record<string, unknown>;
}

function publisherTo(
  endpoint: string,
  overrides: { source?: string; budgetMs?: number; attemptTimeoutMs?: number } = {},
) {
  const client = new EventBridgeClient({ region: REGION, endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1 });
  return createEventBridgePublisher({
    client,
    busName: "default",
    source: overrides.source ?? "com.yourapp.transcription",
    maxEntryBytes: 1024 * 1024,
    budgetMs: overrides.budgetMs ?? 5_000,
    attemptTimeoutMs: overrides.attemptTimeoutMs ?? 1_000,
    backoff: { initialDelayMs: 20, maxDelayMs: 200 },
  });
}

async function uploadCaptions(app: Awaited<ReturnType<typeof buildTestApp>>["app"]) {
  const response = await postUpload(
    app,
    uploadForm(await readFile(new URL("captions/meeting.vtt", FIXTURES)), "meeting.vtt"),
    {
      "X-Tenant-ID": "11111111-1111-4111-8111-111111111111",
      "X-User-ID": "ana@example.com",
      "X-Account-ID": "acc_42",
    },
  );
  expect(response.status).toBe(200);
  return (await response.json()) as {
    interaction_id: string;
    raw_transcript: string;
    cleaned_transcript: string;
    event: { status: string; event_id?: string; error?: string };
  };
}

const detailsOn = async (queueUrl: string, clients: ReturnType<typeof awsClients>, waitMs = 2_000) =>
  (await drainQueue(clients.sqs, queueUrl, { waitMs })).map((message) => JSON.parse(message.Body!) as Envelope);

describe("events reach SQS through a real EventBridge emulator", () => {
  const clients = awsClients();
  let pipeline: TestPipeline;

  beforeAll(async () => {
    await resetMoto();
    pipeline = await createTestPipeline(clients);
  });

  it("delivers the published detail, unchanged, in an EventBridge envelope on the queue", async () => {
    const { app } = await buildTestApp({ publisher: publisherTo(motoUrl()) });
    const body = await uploadCaptions(app);
    expect(body.event).toEqual({ status: "published", event_id: expect.any(String) as unknown });

    const [envelope, ...others] = await detailsOn(pipeline.queueUrl, clients);
    expect(others).toEqual([]);
    expect(envelope).toMatchObject({
      id: body.event.event_id,
      source: "com.yourapp.transcription",
      "detail-type": "BatchProcessingCompleted",
    });
    expect(validateDetail(envelope!.detail)).toBe(true);
    expect(parseCompletedEvent(envelope!.detail)).toMatchObject({
      interaction_id: body.interaction_id,
      tenant_id: "11111111-1111-4111-8111-111111111111",
      user_id: "ana@example.com",
      account_id: "acc_42",
      status: "completed",
      data: { raw_transcript: body.raw_transcript, cleaned_transcript: body.cleaned_transcript },
    });
  });

  it("does not deliver an event from another source", async () => {
    const { app } = await buildTestApp({ publisher: publisherTo(motoUrl(), { source: "com.someone.else" }) });
    expect((await uploadCaptions(app)).event.status).toBe("published");
    expect(await detailsOn(pipeline.queueUrl, clients, 1_500)).toEqual([]);
  });

  it("moves a message received three times without deletion to the dead-letter queue", async () => {
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queueUrl, MessageBody: '{"poison":true}' }));
    for (let receive = 1; receive <= 3; receive += 1) {
      const got = await clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: pipeline.queueUrl, VisibilityTimeout: 0, WaitTimeSeconds: 1 }),
      );
      expect(got.Messages).toHaveLength(1);
    }
    const fourth = await clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: pipeline.queueUrl, WaitTimeSeconds: 0 }),
    );
    expect(fourth.Messages ?? []).toEqual([]);
    const dead = await drainQueue(clients.sqs, pipeline.dlqUrl);
    expect(dead.map((message) => message.Body)).toEqual(['{"poison":true}']);
  });
});

describe("publishing through injected faults", () => {
  const clients = awsClients();
  let pipeline: TestPipeline;
  let proxy: Awaited<ReturnType<typeof startFaultProxy>>;

  beforeAll(async () => {
    await resetMoto();
    pipeline = await createTestPipeline(clients);
    proxy = await startFaultProxy(motoUrl());
  });
  afterAll(() => proxy.close());

  it.each<[string, Fault[]]>([
    ["throttling", ["throttle", "throttle"]],
    ["500s", ["error500"]],
    ["connection resets", ["reset", "reset"]],
    ["a slow answer", [{ delayMs: 300 }]],
    ["an unanswered call", ["blackhole"]],
    ["a partial failure", ["partial", "throttle"]],
    ["a mix of everything", ["reset", "partial", "error500", "throttle", { delayMs: 100 }]],
  ])("with %s, every event arrives exactly once", async (_, faults) => {
    // The attempt timeout is well above the slow answer plus moto's own time (0.3 s or more on a busy
    // machine), so only a black hole is cut short and retried: a slow answer must not become a duplicate.
    const { app } = await buildTestApp({
      publisher: publisherTo(proxy.url, { attemptTimeoutMs: 2_000, budgetMs: 8_000 }),
    });
    const interactions: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      proxy.script(...faults);
      const body = await uploadCaptions(app);
      expect(body.event.status).toBe("published");
      interactions.push(body.interaction_id);
    }
    const delivered = (await detailsOn(pipeline.queueUrl, clients)).map((envelope) => envelope.detail.interaction_id);
    expect(delivered.sort()).toEqual(interactions.sort());
  });

  // That the budget bounds the wait is the sender's to prove, on a fake clock (tests/events/event-publisher.test.ts).
  it("with the bus down, still answers 200 with the event failed for its cause", async () => {
    const budgetMs = 1_500;
    const { app } = await buildTestApp({ publisher: publisherTo(proxy.url, { attemptTimeoutMs: 300, budgetMs }) });
    proxy.failEverything(true);
    try {
      const body = await uploadCaptions(app);
      // Every call answers 500: the breaker opens within the budget and the event fails for that cause.
      expect(body.event).toEqual({ status: "failed", error: "InternalException" });
      expect(body.cleaned_transcript).toContain("ship the release");
    } finally {
      proxy.failEverything(false);
    }
    expect(await detailsOn(pipeline.queueUrl, clients, 1_000)).toEqual([]);
  });
});
