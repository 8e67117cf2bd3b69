import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { createEventBridgePublisher } from "../../app/events/eventbridge-publisher.js";
import { eventBridgeClient } from "../../app/events/publisher-factory.js";
import { startFakeEventBridge } from "../fake-eventbridge.js";
import { buildCompletedEvent, DETAIL_TYPE } from "../../app/events/batch-processing-completed.js";
import { MiB, silent, percentile, round, type BenchContext } from "../bench-kit.js";

/** A completed event whose two transcripts are about `transcriptChars` long each. */
const completedEvent = (transcriptChars: number) =>
  buildCompletedEvent({
    interactionId: "550e8400-e29b-41d4-a716-446655440000",
    tenantId: "660e8400-e29b-41d4-a716-446655440000",
    userId: "bench",
    accountId: null,
    rawTranscript: "the raw words ".repeat(Math.ceil(transcriptChars / 14)),
    cleanedTranscript: "The cleaned words. ".repeat(Math.ceil(transcriptChars / 19)),
    completedAt: new Date(),
  });

/** 4. Our publisher against one bare PutEvents call, and the share published when calls are throttled. */
export async function publishing({ quick, record }: BenchContext) {
  console.error("4. publishing");
  const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
  const publisherFor = (endpoint: string) =>
    createEventBridgePublisher({
      client: eventBridgeClient("us-east-1", { endpoint, credentials }),
      busName: "default",
      source: "com.yourapp.transcription",
      budgetMs: 10_000,
      attemptTimeoutMs: 3_000,
      maxEntryBytes: MiB,
    });

  const fast = await startFakeEventBridge();
  const publisher = publisherFor(fast.url);
  // The SDK as it comes: its default client, one bare PutEvents call.
  const bare = new EventBridgeClient({ region: "us-east-1", endpoint: fast.url, maxAttempts: 1, credentials });
  const total = quick ? 400 : 2_000;
  const shortMeeting = completedEvent(2_800);
  try {
    // A short meeting's event, and a long one's (~100 KB: the size where how the SDK writes JSON shows).
    for (const [size, detail] of [
      ["6 KB event", shortMeeting],
      ["100 KB event", completedEvent(50_000)],
    ] as const) {
      const latencies: Record<"ours" | "bare", number[]> = { ours: [], bare: [] };
      for (let block = 0; block < total / 50; block += 1) {
        for (const variant of block % 2 === 0 ? (["ours", "bare"] as const) : (["bare", "ours"] as const)) {
          for (let i = 0; i < 50 / 2; i += 1) {
            const started = performance.now();
            if (variant === "ours") await publisher.publish(detail, { log: silent });
            else
              await bare.send(
                new PutEventsCommand({
                  Entries: [
                    {
                      Source: "com.yourapp.transcription",
                      DetailType: DETAIL_TYPE,
                      Detail: JSON.stringify(detail),
                      EventBusName: "default",
                    },
                  ],
                }),
              );
            latencies[variant].push(performance.now() - started);
          }
        }
      }
      for (const p of [50, 99]) {
        const ours = percentile(latencies.ours, p);
        const base = percentile(latencies.bare, p);
        record({
          scenario: `publish ${size}`,
          metric: `latency p${p} ms (added ${round(ours - base)} ms)`,
          ours: round(ours),
          baseline: round(base),
          ratio: round(ours / base),
          target: "reported",
          met: null,
        });
      }
    }
  } finally {
    await fast.close();
  }

  const throttling = await startFakeEventBridge({ throttleShare: 0.1 });
  const throttled = publisherFor(throttling.url);
  const outcomes: number[] = [];
  let published = 0;
  const count = quick ? 200 : 1_000;
  try {
    for (let i = 0; i < count; i += 1) {
      const started = performance.now();
      const outcome = await throttled.publish(shortMeeting, { log: silent });
      outcomes.push(performance.now() - started);
      if (outcome.status === "published") published += 1;
    }
  } finally {
    await throttling.close();
  }
  record({
    scenario: "publish with 10% throttled",
    metric: "share published %",
    ours: round((published / count) * 100, 1),
    baseline: null,
    ratio: null,
    target: "100%",
    met: published === count,
  });
  record({
    scenario: "publish with 10% throttled",
    metric: "latency p99 ms",
    ours: round(percentile(outcomes, 99)),
    baseline: null,
    ratio: null,
    target: "reported",
    met: null,
  });
}
