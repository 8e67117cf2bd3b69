import { createHash } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Consumer } from "sqs-consumer";
import { parseCompletedEvent } from "../../app/events/batch-processing-completed.js";
import { collectingConsumer } from "../support/collecting-consumer.js";
import { startJobHarness, type JobHarness } from "../support/job-harness.js";
import { drainQueue, resetMoto } from "../support/moto.js";
import { FIXTURES, postUpload, uploadForm } from "../support/test-app.js";
import { readFile } from "node:fs/promises";
import { createDeepgramTranscriber } from "../../app/transcription/deepgram-transcriber.js";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../support/fake-deepgram.js";

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
    expect(event.detail.version).toBe("1.3");
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

  it("the sync path claim-checks too: no EntryTooLarge, a v1.3 event on the queue", async () => {
    const text = bigTranscript(1.5 * MiB);
    const response = await postUpload(harness.app, uploadForm(text, "long.txt"), { "X-Tenant-ID": TENANT });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { interaction_id: string; event: { status: string } };
    expect(body.event.status).toBe("published");
    const messages = await drainQueue(harness.clients.sqs, harness.events.queueUrl, { waitMs: 3_000 });
    expect(messages).toHaveLength(1);
    const detail = parseCompletedEvent((JSON.parse(messages[0]!.Body!) as { detail: unknown }).detail);
    expect(detail).toMatchObject({
      version: "1.3",
      interaction_id: body.interaction_id,
      data: { transcripts_ref: { raw_bytes: Buffer.byteLength(text) }, language: null, options: null },
    });
    expect(Buffer.byteLength(messages[0]!.Body!)).toBeLessThan(4096);
  }, 60_000);

  it("words too many for an event travel in the stored object, and the consumer gets them with the transcripts", async () => {
    const deepgram = await startFakeDeepgram();
    const spoken = Array.from({ length: 12_000 }, (_, i) => `word${i}`).join(" ");
    deepgram.script({ transcript: spoken });
    const withWords = await startJobHarness({
      maxEntryBytes: 1024 * 1024,
      transcriber: createDeepgramTranscriber({
        apiKey: FAKE_DEEPGRAM_KEY,
        baseUrl: deepgram.url,
        model: "nova-3",
        timeoutS: 30,
      }),
    });
    try {
      const wav = await readFile(new URL("audio/speech.wav", FIXTURES));
      const response = await postUpload(withWords.app, uploadForm(wav, "speech.wav"), { "X-Tenant-ID": TENANT });
      const body = (await response.json()) as { words: unknown[]; event: { status: string } };
      expect(body.event.status).toBe("published");
      expect(body.words).toHaveLength(12_000);
      const collected = collectingConsumer(withWords.clients, withWords.events.queueUrl);
      consumer = collected.consumer;
      await expect.poll(() => collected.handled.length, { timeout: 15_000 }).toBe(1);
      const event = collected.handled[0]!;
      if (event["detail-type"] !== "BatchProcessingCompleted") throw new Error("not a completed event");
      expect(event.detail.version).toBe("1.3");
      expect(event.detail.data.words).toEqual(body.words);
      expect(event.detail.data.confidence).toBe(0.98);
      expect(event.detail.data.raw_transcript).toBe(spoken);
    } finally {
      consumer?.stop({ abort: true });
      consumer = undefined;
      await withWords.stop();
      await deepgram.close();
    }
  }, 90_000);

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

  it("stores exactly the bytes JSON.stringify gives (and text as it is), with their size and sha256, however long", async () => {
    // Pairs that straddle the 64 Ki-character slices, characters JSON escapes, and an array past one slice.
    const text = '\u{1F600}é"\\\n\u2028'.repeat(40_000) + "x";
    const value = {
      raw_transcript: text,
      cleaned_transcript: `a${text}`,
      words: Array.from({ length: 4_321 }, (_, at) => ({ word: `w${at}`, start: at / 7, end: undefined })),
      metadata: { provider: null, duration_s: 1.5 },
    };
    const expected = Buffer.from(JSON.stringify(value));
    const stored = await harness.objects.putJson(`transcripts/${TENANT}/exact.json`, value);
    expect(stored).toMatchObject({
      bytes: expected.length,
      sha256: createHash("sha256").update(expected).digest("hex"),
    });
    const read = await harness.objects.getBytes(`transcripts/${TENANT}/exact.json`);
    expect(read?.equals(expected)).toBe(true);
    // Text stored as it is (a recorded answer), encoded a slice at a time: the same bytes too.
    const answer = JSON.stringify(value);
    const storedText = await harness.objects.putText(`answers/${TENANT}/exact.json`, answer, "application/json");
    expect(storedText.bytes).toBe(expected.length);
    expect((await harness.objects.getBytes(`answers/${TENANT}/exact.json`))?.equals(expected)).toBe(true);
  });
});
