import { readFile } from "node:fs/promises";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { TranscriptEventDetail } from "../../app/events/transcript-events.js";
import { createJobDeletion } from "../../app/jobs/job-deletion.js";
import type { Transcriber } from "../../app/transcription/transcriber.js";
import { captureLogger } from "../support/capture-logger.js";
import { startJobHarness, type JobHarness, type WorkerPorts } from "../support/job-harness.js";
import { resetMoto } from "../support/moto.js";
import { FIXTURES, uploadForm } from "../support/test-app.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";
import { gate } from "../support/gate.js";

const TENANT = "11111111-1111-4111-8111-111111111111";
const asTenant = { "X-Tenant-ID": TENANT, "X-User-ID": "ana@example.com" };
const WAITS = "job's event or callback is being sent; deletion waits";
const vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));
const wav = await readFile(new URL("audio/speech.wav", FIXTURES));

async function submit(harness: JobHarness, form: FormData, query = ""): Promise<string> {
  const response = await harness.app.request(`/batch/jobs${query}`, { method: "POST", body: form, headers: asTenant });
  expect(response.status).toBe(202);
  return String(((await response.json()) as { interaction_id: string }).interaction_id);
}

async function objectKeysOf(harness: JobHarness, id: string): Promise<string[]> {
  const listed = await harness.clients.s3.send(new ListObjectsV2Command({ Bucket: harness.outputs.uploadBucketName }));
  return (listed.Contents ?? []).map((object) => object.Key!).filter((key) => key.includes(id));
}

/** Sends `DELETE` for a job something is being sent for, and resolves once the API says the deletion waits. */
async function heldDeletion(harness: JobHarness, id: string) {
  const deletion = { answered: false, response: Promise.resolve(new Response()) };
  deletion.response = Promise.resolve(
    harness.app.request(`/batch/jobs/${id}`, { method: "DELETE", headers: asTenant }),
  ).finally(() => (deletion.answered = true));
  await expect.poll(() => harness.apiLogs.lines.some((line) => line.msg === WAITS), { timeout: 15_000 }).toBe(true);
  return deletion;
}

/** The worker's publisher, recording the detail type of every event it is asked to publish, by job. */
function recordingPublisher(published: Array<{ id: string; type: string }>, before?: () => Promise<void>) {
  return (ports: WorkerPorts): WorkerPorts => ({
    ...ports,
    publisher: {
      get state() {
        return ports.publisher.state;
      },
      async publish(detail: TranscriptEventDetail, options) {
        await before?.();
        const outcome = await ports.publisher.publish(detail, options);
        published.push({ id: detail.interaction_id, type: detail.status });
        return outcome;
      },
    },
  });
}

describe("deleting a job while its worker ends it (moto_server)", () => {
  let harness: JobHarness;
  beforeEach(async () => {
    await resetMoto();
  });
  afterEach(async () => {
    await harness.stop();
  });

  it("publishes no failure event for a job deleted while it was transcribed, when the transcription then fails", async () => {
    const started = gate();
    const release = gate();
    const transcriber: Transcriber = {
      provider: "deepgram",
      model: "nova-3",
      configured: true,
      async transcribe() {
        started.open();
        await release.opened;
        // Nothing was said: the job fails (empty_transcript), an ending that would publish BatchProcessingFailed.
        return { transcript: " ", provider: "deepgram", model: "nova-3", durationS: 1, requestId: null };
      },
    };
    harness = await startJobHarness({ transcriber });
    const published: Array<{ id: string; type: string }> = [];
    harness.startWorker(recordingPublisher(published));
    const id = await submit(harness, uploadForm(wav, "speech.wav"));
    await started.opened;
    expect((await harness.app.request(`/batch/jobs/${id}`, { method: "DELETE", headers: asTenant })).status).toBe(204);
    release.open();

    await expect
      .poll(
        () =>
          harness.workerLogs.lines.some(
            (line) =>
              line.interaction_id === id &&
              line.msg === "job deleted while it ran: nothing published, its objects removed",
          ),
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(published.filter((event) => event.id === id)).toEqual([]);
    expect(await harness.store.get(TENANT, id)).toMatchObject({ status: "deleted" });
    expect(await objectKeysOf(harness, id)).toEqual([]);
  });

  it("holds a deletion that arrives while the job's event is being published until the job has ended", async () => {
    const publishing = gate();
    const release = gate();
    harness = await startJobHarness();
    const published: Array<{ id: string; type: string }> = [];
    harness.startWorker(
      recordingPublisher(published, async () => {
        publishing.open();
        await release.opened;
      }),
    );
    const id = await submit(harness, uploadForm(vtt, "meeting.vtt"));
    await publishing.opened;
    expect(await harness.store.get(TENANT, id)).toMatchObject({
      status: "processing",
      publishingUntil: expect.any(String) as string,
    });

    const deletion = await heldDeletion(harness, id);
    // The publish is held by the test: the deletion cannot have ended, and the job is still the worker's.
    expect(deletion.answered).toBe(false);
    expect(await harness.store.get(TENANT, id)).toMatchObject({ status: "processing" });

    release.open();
    expect((await deletion.response).status).toBe(204);
    // The event went out before the deletion took effect, never after it; then nothing of the job is left.
    expect(published).toEqual([{ id, type: "completed" }]);
    const record = await harness.store.get(TENANT, id);
    expect(record).toMatchObject({ status: "deleted" });
    expect(record).not.toHaveProperty("publishingUntil");
    expect(await objectKeysOf(harness, id)).toEqual([]);
    expect((await harness.app.request(`/batch/jobs/${id}`, { headers: asTenant })).status).toBe(404);
  });

  it("holds a deletion that arrives while the job's callback is being made until the try is recorded", async () => {
    const receiver = await startWebhookReceiver();
    try {
      const releaseAnswers = receiver.holdAnswers();
      harness = await startJobHarness({ webhooks: { secret: `whsec_${Buffer.alloc(32, 7).toString("base64")}` } });
      harness.startWorker();
      const id = await submit(
        harness,
        uploadForm(vtt, "meeting.vtt"),
        `?callback_url=${encodeURIComponent(receiver.hookUrl)}`,
      );
      await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(1);
      expect(await harness.store.get(TENANT, id)).toMatchObject({
        status: "completed",
        callingBackUntil: expect.any(String) as string,
      });

      const deletion = await heldDeletion(harness, id);
      // The receiver has the callback but has not answered: the try is not over, so the job is not deleted yet.
      expect(deletion.answered).toBe(false);
      expect(await harness.store.get(TENANT, id)).toMatchObject({ status: "completed" });

      releaseAnswers();
      expect((await deletion.response).status).toBe(204);
      expect(harness.workerLogs.lines.some((line) => line.msg === "webhook delivered")).toBe(true);
      expect(await harness.store.get(TENANT, id)).toMatchObject({ status: "deleted" });
      expect(receiver.received).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });

  it("waits for a hold no longer than it lasts, and no longer than its own limit (a worker that died publishing)", async () => {
    harness = await startJobHarness();
    const log = captureLogger().logger;
    const lapsing = await submit(harness, uploadForm(vtt, "meeting.vtt"));
    const until = new Date(Date.now() + 400);
    expect(await harness.store.hold(TENANT, lapsing, "event", until)).toBe(true);
    const patient = createJobDeletion({ store: harness.store, objects: harness.objects, maxHoldMs: 60_000 });
    expect(await patient({ tenantId: TENANT, userId: "ana", accountId: null, interactionId: "x" }, lapsing, log)).toBe(
      true,
    );
    // Not before the hold ran out: the table's own condition compares the times.
    expect(Date.now()).toBeGreaterThanOrEqual(until.getTime());
    expect(await harness.store.get(TENANT, lapsing)).toMatchObject({ status: "deleted" });

    const stuck = await submit(harness, uploadForm(vtt, "meeting.vtt"));
    expect(await harness.store.hold(TENANT, stuck, "callback", new Date(Date.now() + 3_600_000))).toBe(true);
    const bounded = createJobDeletion({ store: harness.store, objects: harness.objects, maxHoldMs: 300 });
    expect(await bounded({ tenantId: TENANT, userId: "ana", accountId: null, interactionId: "y" }, stuck, log)).toBe(
      true,
    );
    expect(await harness.store.get(TENANT, stuck)).toMatchObject({ status: "deleted" });
    // A deleted job cannot be held again: a worker that asks publishes nothing.
    expect(await harness.store.hold(TENANT, stuck, "event", new Date(Date.now() + 1_000))).toBe(false);
  });
});
