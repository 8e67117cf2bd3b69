import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Consumer } from "sqs-consumer";
import { parseCompletedEvent } from "../../app/events/batch-processing-completed.js";
import { collectingConsumer } from "../support/collecting-consumer.js";
import { startJobHarness, type JobHarness } from "../support/job-harness.js";
import { drainQueue, resetMoto } from "../support/moto.js";
import { postUpload, uploadForm } from "../support/test-app.js";

const TENANT = "11111111-1111-4111-8111-111111111111";
const MiB = 1024 * 1024;

/** About 3 MB of distinct sentences as captions text, so no cleaning rule shortens it much. */
function bigTranscript(bytes: number): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i += 1) {
    const line = `Item ${i} was reviewed by the team and approved for the release on Friday.`;
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join("\n");
}

describe("transcripts too big for an event travel by claim check", () => {
  let harness: JobHarness;
  let consumer: Consumer | undefined;
  beforeEach(async () => {
    await resetMoto();
    harness = await startJobHarness({ maxCaptionsBytes: 8 * MiB, maxEntryBytes: 1024 * 1024 });
  });
  afterEach(async () => {
    consumer?.stop({ abort: true });
    await harness.stop();
  });

  it("a 3 MB transcript: the job's event carries a reference, and the consumer gets the transcripts whole", async () => {
    harness.startWorker();
    const text = bigTranscript(3 * MiB);
    const submitted = await harness.app.request("/batch/jobs", {
      method: "POST",
      body: uploadForm(text, "long.txt"),
      headers: { "X-Tenant-ID": TENANT },
    });
    expect(submitted.status).toBe(202);
    const { interaction_id: id } = (await submitted.json()) as { interaction_id: string };
    const job = (await harness.finished(`/batch/jobs/${id}`, { "X-Tenant-ID": TENANT }, 60_000)) as {
      raw_transcript: string;
      cleaned_transcript: string;
    };
    expect(job.raw_transcript).toBe(text);

    const collected = collectingConsumer(harness.clients, harness.events.queueUrl);
    consumer = collected.consumer;
    const { handled } = collected;
    await expect.poll(() => handled.length, { timeout: 15_000 }).toBe(1);
    const event = handled[0]!;
    expect(event["detail-type"]).toBe("BatchProcessingCompleted");
    if (event["detail-type"] !== "BatchProcessingCompleted") return;
    expect(event.detail.version).toBe("1.1");
    expect(event.detail.data.raw_transcript).toBe(text);
    expect(event.detail.data.cleaned_transcript).toBe(job.cleaned_transcript);
    const reference = event.detail.data.transcripts_ref!;
    expect(reference).toMatchObject({
      bucket: harness.outputs.uploadBucketName,
      raw_bytes: Buffer.byteLength(text),
      key: `transcripts/${TENANT}/${id}.json`,
    });
    const stored = await harness.objects.getBytes(reference.key);
    expect(createHash("sha256").update(stored!).digest("hex")).toBe(reference.sha256);
  }, 90_000);

  it("the sync path claim-checks too: no EntryTooLarge, a v1.1 event on the queue", async () => {
    const text = bigTranscript(1.5 * MiB);
    const response = await postUpload(harness.app, uploadForm(text, "long.txt"), { "X-Tenant-ID": TENANT });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { interaction_id: string; event: { status: string } };
    expect(body.event.status).toBe("published");
    const messages = await drainQueue(harness.clients.sqs, harness.events.queueUrl, { waitMs: 3_000 });
    expect(messages).toHaveLength(1);
    const detail = parseCompletedEvent((JSON.parse(messages[0]!.Body!) as { detail: unknown }).detail);
    expect(detail).toMatchObject({
      version: "1.1",
      interaction_id: body.interaction_id,
      data: { transcripts_ref: { raw_bytes: Buffer.byteLength(text) } },
    });
    expect(Buffer.byteLength(messages[0]!.Body!)).toBeLessThan(4096);
  }, 60_000);

  it("a consumer refuses a reference whose object does not match its sha256, leaving the message for redelivery", async () => {
    const text = bigTranscript(1.5 * MiB);
    const response = await postUpload(harness.app, uploadForm(text, "long.txt"), { "X-Tenant-ID": TENANT });
    const { interaction_id: id } = (await response.json()) as { interaction_id: string };
    // The transcripts are replaced under the event's feet: the event's size and sha256 no longer match.
    await harness.objects.putJson(`transcripts/${TENANT}/${id}.json`, {
      raw_transcript: "tampered",
      cleaned_transcript: "tampered",
    });
    const collected = collectingConsumer(harness.clients, harness.events.queueUrl, { visibilityTimeout: 1 });
    consumer = collected.consumer;
    const { handled, logs } = collected;
    await expect
      .poll(() => logs.lines.some((line) => line.msg === "handler failed; message will be delivered again"), {
        timeout: 15_000,
      })
      .toBe(true);
    expect(handled).toEqual([]);
  }, 60_000);
});
