import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it, vi } from "vitest";
import { buildCompletedEvent } from "../../app/events/batch-processing-completed.js";
import { disabledPublisher } from "../../app/events/event-publisher.js";
import { createEventBridgePublisher } from "../../app/events/eventbridge-publisher.js";
import { createPutEventsSender } from "../../app/events/put-events-sender.js";
import { classifyError, entrySize } from "../../app/events/publish-error.js";
import { captureLogger } from "../support/capture-logger.js";

const eventBridge = mockClient(EventBridgeClient);
afterEach(() => eventBridge.reset());

const client = new EventBridgeClient({
  region: "us-east-1",
  maxAttempts: 1,
  credentials: { accessKeyId: "x", secretAccessKey: "y" },
});
const fast = { budgetMs: 2_000, attemptTimeoutMs: 500, backoff: { initialDelayMs: 1, maxDelayMs: 5 } };
const awsError = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const detail = (raw = "the raw words", cleaned = "The cleaned words.") =>
  buildCompletedEvent({
    interactionId: "550e8400-e29b-41d4-a716-446655440000",
    tenantId: "660e8400-e29b-41d4-a716-446655440000",
    userId: "user@example.com",
    accountId: null,
    rawTranscript: raw,
    cleanedTranscript: cleaned,
    completedAt: new Date("2026-01-01T00:00:00.000Z"),
  });
const publisher = (overrides = {}) =>
  createEventBridgePublisher({
    client,
    busName: "default",
    source: "com.yourapp.transcription",
    maxEntryBytes: 1024 * 1024,
    ...fast,
    ...overrides,
  });
const sentEntries = () => eventBridge.commandCalls(PutEventsCommand).map((call) => call.args[0].input.Entries ?? []);

describe("PutEvents sender", () => {
  const entries: PutEventsRequestEntry[] = ["a", "b", "c"].map((id) => ({
    Source: "s",
    DetailType: "d",
    Detail: `{"id":"${id}"}`,
  }));

  it("sends again only the entry that failed with a retryable code", async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolvesOnce({
        FailedEntryCount: 2,
        Entries: [
          { EventId: "e-a" },
          { ErrorCode: "ThrottlingException", ErrorMessage: "slow down" },
          { ErrorCode: "MalformedDetail" },
        ],
      })
      .resolvesOnce({ FailedEntryCount: 0, Entries: [{ EventId: "e-b" }] });
    const result = await createPutEventsSender({ client, ...fast })(entries);
    expect(sentEntries().map((batch) => batch.map((entry) => entry.Detail))).toEqual([
      ['{"id":"a"}', '{"id":"b"}', '{"id":"c"}'],
      ['{"id":"b"}'],
    ]);
    expect(result.results.map((r) => r.EventId ?? r.ErrorCode)).toEqual(["e-a", "e-b", "MalformedDetail"]);
    expect(result.attempts).toBe(2);
    expect(result.failure).toBeUndefined();
  });

  it.each(["AccessDeniedException", "NotAuthorizedForSourceException", "MalformedDetail", "InvalidArgument"])(
    "does not retry the entry code %s",
    async (code) => {
      eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: code }] });
      const result = await createPutEventsSender({ client, ...fast })(entries.slice(0, 1));
      expect(result.results[0]?.ErrorCode).toBe(code);
      expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(1);
    },
  );

  it.each([
    ["AccessDeniedException", 400],
    ["UnrecognizedClientException", 400],
    ["ResourceNotFoundException", 400],
    ["ValidationException", 400],
  ])("does not retry a thrown %s", async (name, status) => {
    eventBridge.on(PutEventsCommand).rejects(awsError(name, status));
    const result = await createPutEventsSender({ client, ...fast })(entries.slice(0, 1));
    expect(result).toMatchObject({ attempts: 1, failure: { code: name, retryable: false } });
  });

  it("retries throttling, 5xx and network errors until one succeeds", async () => {
    eventBridge
      .on(PutEventsCommand)
      .rejectsOnce(awsError("ThrottlingException", 400))
      .rejectsOnce(awsError("InternalException", 500))
      .rejectsOnce(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))
      .resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });
    const result = await createPutEventsSender({ client, ...fast })(entries.slice(0, 1));
    expect(result).toMatchObject({ attempts: 4, results: [{ EventId: "e-1" }] });
    expect(result.failure).toBeUndefined();
  });

  it("gives up when the budget is spent, however many retries that allows", async () => {
    vi.useFakeTimers();
    try {
      const calls: number[] = [];
      eventBridge.on(PutEventsCommand).callsFake(() => {
        calls.push(Date.now());
        return Promise.reject(awsError("ThrottlingException", 400));
      });
      const started = Date.now();
      let settledAt: number | undefined;
      const sending = createPutEventsSender({
        client,
        budgetMs: 300,
        attemptTimeoutMs: 100,
        backoff: { initialDelayMs: 20, maxDelayMs: 40 },
      })(entries.slice(0, 1)).finally(() => (settledAt = Date.now()));
      await vi.advanceTimersByTimeAsync(1_000);
      const result = await sending;
      expect(result.failure?.code).toBe("PublishBudgetExceeded");
      expect(result.attempts).toBeGreaterThan(2);
      expect(result.attempts).toBe(calls.length);
      // It kept trying until the budget, and no longer: the last try and the answer are inside it.
      expect(settledAt! - started).toBe(300);
      expect(Math.max(...calls) - started).toBeLessThan(300);
    } finally {
      vi.useRealTimers();
    }
  });

  it("times out a hanging attempt and tries again", async () => {
    let calls = 0;
    eventBridge.on(PutEventsCommand).callsFake(() => {
      calls += 1;
      return calls === 1
        ? new Promise(() => undefined)
        : Promise.resolve({ FailedEntryCount: 0, Entries: [{ EventId: "e-2" }] });
    });
    const result = await createPutEventsSender({
      client,
      budgetMs: 2_000,
      attemptTimeoutMs: 100,
      backoff: fast.backoff,
    })(entries.slice(0, 1));
    expect(result).toMatchObject({ attempts: 2, results: [{ EventId: "e-2" }] });
  });

  it("aborts a hanging attempt's signal, and leaves a finished attempt's alone (nothing is left to stop)", async () => {
    const signals: AbortSignal[] = [];
    const recording = {
      send: (_: unknown, { abortSignal }: { abortSignal: AbortSignal }) => {
        signals.push(abortSignal);
        return signals.length === 1
          ? new Promise(() => undefined)
          : Promise.resolve({ FailedEntryCount: 0, Entries: [{ EventId: "e-2" }] });
      },
    } as unknown as EventBridgeClient;
    const result = await createPutEventsSender({
      client: recording,
      budgetMs: 2_000,
      attemptTimeoutMs: 100,
      backoff: fast.backoff,
    })(entries.slice(0, 1));
    expect(result).toMatchObject({ attempts: 2, results: [{ EventId: "e-2" }] });
    expect(signals.map((signal) => signal.aborted)).toEqual([true, false]);
  });

  it("waits between attempts as the backoff rule says, until the budget cuts it short", async () => {
    vi.useFakeTimers();
    try {
      const calls: number[] = [];
      eventBridge.on(PutEventsCommand).callsFake(() => {
        calls.push(Date.now());
        return Promise.reject(awsError("ThrottlingException", 400));
      });
      const sending = createPutEventsSender({
        client,
        budgetMs: 1_000,
        attemptTimeoutMs: 500,
        backoff: { initialDelayMs: 100, maxDelayMs: 400 },
        random: () => 0.5,
      })(entries.slice(0, 1));
      await vi.advanceTimersByTimeAsync(1_000);
      const result = await sending;
      expect(calls.slice(1).map((at, index) => at - calls[index]!)).toEqual([50, 100, 200, 200, 200, 200]);
      expect(result.failure?.code).toBe("PublishBudgetExceeded");
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("EventBridge publisher", () => {
  it("publishes one entry on the configured bus and reports its event id", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "evt-1" }] });
    const logs = captureLogger();
    const outcome = await publisher({ busName: "transcripts" }).publish(detail(), { log: logs.logger });
    expect(outcome).toEqual({ status: "published", eventId: "evt-1", attempts: 1 });
    const [entry] = sentEntries()[0] ?? [];
    expect(entry).toMatchObject({
      Source: "com.yourapp.transcription",
      DetailType: "BatchProcessingCompleted",
      EventBusName: "transcripts",
    });
    expect(JSON.parse(entry?.Detail ?? "{}")).toEqual(detail());
    expect(logs.lines.find((line) => line.msg === "event published")).toMatchObject({
      event_id: "evt-1",
      raw_length: 13,
      cleaned_length: 18,
    });
    expect(logs.text()).not.toContain("raw words");
  });

  it("measures an entry the way AWS does: 14 bytes of time plus the UTF-8 of source, detail type, detail and resources", () => {
    expect(
      entrySize({ Time: new Date(), Source: "src", DetailType: "dt", Detail: '{"a":"é"}', Resources: ["r1", "r22"] }),
    ).toBe(14 + 3 + 2 + 10 + 5);
    expect(entrySize({ Source: "src", DetailType: "dt", Detail: "{}" })).toBe(7);
  });

  it("refuses an entry over EVENT_MAX_ENTRY_BYTES without calling AWS", async () => {
    const logs = captureLogger();
    const outcome = await publisher({ maxEntryBytes: 2048 }).publish(detail("é".repeat(1100)), { log: logs.logger });
    expect(outcome).toEqual({ status: "failed", error: "EntryTooLarge", attempts: 0 });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(0);
    expect(logs.lines.find((line) => line.msg === "event not published")).toMatchObject({
      error_code: "EntryTooLarge",
    });
  });

  it("accepts an entry exactly at the limit", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "evt-2" }] });
    const base = entrySize({
      Time: new Date(),
      Source: "com.yourapp.transcription",
      DetailType: "BatchProcessingCompleted",
      Detail: JSON.stringify(detail("")),
    });
    const outcome = await publisher({ maxEntryBytes: base + 100 }).publish(detail("x".repeat(100)), {
      log: captureLogger().logger,
    });
    expect(outcome.status).toBe("published");
  });

  it("reports a non-retryable entry failure with its code", async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: "MalformedDetail", ErrorMessage: "bad" }] });
    const logs = captureLogger();
    await expect(publisher().publish(detail(), { log: logs.logger })).resolves.toEqual({
      status: "failed",
      error: "MalformedDetail",
      attempts: 1,
    });
    expect(logs.lines.find((line) => line.msg === "event not published")).toMatchObject({
      level: "error",
      error_code: "MalformedDetail",
      attempts: 1,
    });
  });

  it("reports the spent budget, with the error it last saw in the log", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: "ThrottlingException" }] });
    const logs = captureLogger();
    const outcome = await publisher({ budgetMs: 200 }).publish(detail(), { log: logs.logger });
    expect(outcome).toMatchObject({ status: "failed", error: "PublishBudgetExceeded" });
    expect(logs.lines.find((line) => line.msg === "event not published")).toMatchObject({
      error_code: "PublishBudgetExceeded",
      last_error_code: "ThrottlingException",
      err: { stack: expect.any(String) as unknown },
    });
  });

  it("when disabled, reports it on every request and never calls AWS", async () => {
    const logs = captureLogger();
    await expect(disabledPublisher("no_credentials").publish(detail(), { log: logs.logger })).resolves.toEqual({
      status: "disabled",
      error: "no_credentials",
    });
    expect(logs.lines).toEqual([expect.objectContaining({ level: "warn", reason: "no_credentials" })]);
  });

  it("classifies what the SDK can throw", () => {
    expect(classifyError(awsError("ServiceUnavailable", 503))).toMatchObject({ retryable: true });
    expect(classifyError(awsError("SomethingNew", 502))).toMatchObject({ retryable: true });
    expect(classifyError(awsError("SomethingNew", 400))).toMatchObject({ retryable: false });
    expect(classifyError(Object.assign(new Error("connect"), { code: "ECONNREFUSED" }))).toMatchObject({
      code: "ECONNREFUSED",
      retryable: true,
    });
    expect(
      classifyError(Object.assign(new Error("Could not load credentials"), { name: "CredentialsProviderError" })),
    ).toMatchObject({ retryable: false });
  });
});

describe("circuit breaker: a bus that is down is noticed once, not per request", () => {
  const refused = () => Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });

  it("reports the cause, not the budget, when the bus refuses connections", async () => {
    eventBridge.on(PutEventsCommand).rejects(refused());
    const outcome = await publisher({ budgetMs: 300, breaker: { failures: 1_000, halfOpenMs: 60_000 } }).publish(
      detail(),
      { log: captureLogger().logger },
    );
    expect(outcome).toMatchObject({ status: "failed", error: "ECONNREFUSED" });
  });

  it("opens after consecutive failures: later publishes fail at once with the cause, without calling AWS", async () => {
    eventBridge.on(PutEventsCommand).rejects(refused());
    const subject = publisher({ breaker: { failures: 3, halfOpenMs: 60_000 } });
    const first = await subject.publish(detail(), { log: captureLogger().logger });
    expect(first).toMatchObject({ status: "failed", error: "ECONNREFUSED", attempts: 3 });
    expect(subject.state).toBe("degraded");
    const callsBefore = eventBridge.commandCalls(PutEventsCommand).length;
    const second = await subject.publish(detail(), { log: captureLogger().logger });
    expect(second).toEqual({ status: "failed", error: "ECONNREFUSED", attempts: 0 });
    expect(eventBridge.commandCalls(PutEventsCommand)).toHaveLength(callsBefore);
  });

  it("reports an auth failure as its code when the breaker fails fast", async () => {
    eventBridge.on(PutEventsCommand).rejects(awsError("AccessDeniedException", 400));
    const subject = publisher({ breaker: { failures: 1, halfOpenMs: 60_000 } });
    await subject.publish(detail(), { log: captureLogger().logger });
    expect(await subject.publish(detail(), { log: captureLogger().logger })).toEqual({
      status: "failed",
      error: "AccessDeniedException",
      attempts: 0,
    });
  });

  it("half-opens to probe, and closes when the probe succeeds", async () => {
    eventBridge.on(PutEventsCommand).rejects(refused());
    const subject = publisher({ breaker: { failures: 2, halfOpenMs: 50 } });
    await subject.publish(detail(), { log: captureLogger().logger });
    expect(subject.state).toBe("degraded");
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e-back" }] });
    await vi.waitFor(
      async () =>
        expect(await subject.publish(detail(), { log: captureLogger().logger })).toMatchObject({
          status: "published",
          eventId: "e-back",
        }),
      { timeout: 5_000, interval: 10 },
    );
    expect(subject.state).toBe("enabled");
  });

  it("does not open on throttling or on entries PutEvents reports as failed", async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: "ThrottlingException" }] });
    const subject = publisher({ budgetMs: 200, breaker: { failures: 1, halfOpenMs: 60_000 } });
    await subject.publish(detail(), { log: captureLogger().logger });
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).rejects(awsError("ThrottlingException", 400));
    await subject.publish(detail(), { log: captureLogger().logger });
    expect(subject.state).toBe("enabled");
  });
});
