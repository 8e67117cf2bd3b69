import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Transcriber } from "../../app/transcription/transcriber.js";
import { startJobHarness, type JobHarness } from "../support/job-harness.js";
import { drainQueue, resetMoto } from "../support/moto.js";
import { FIXTURES, uploadForm } from "../support/test-app.js";
import { startWebhookReceiver } from "../support/webhook-receiver.js";
import { gate } from "../support/gate.js";

const TENANT = "11111111-1111-4111-8111-111111111111";
const OTHER_TENANT = "22222222-2222-4222-8222-222222222222";
const asTenant = (tenant = TENANT) => ({ "X-Tenant-ID": tenant, "X-User-ID": "ana@example.com" });
const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;
const vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));

type Harness = JobHarness;

async function submit(
  harness: Harness,
  query: string,
  body: FormData = uploadForm(vtt, "meeting.vtt"),
  tenant = TENANT,
) {
  const response = await harness.app.request(`/batch/jobs${query}`, {
    method: "POST",
    body,
    headers: asTenant(tenant),
  });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

async function jobOf(harness: Harness, id: string, tenant = TENANT) {
  return (await (await harness.app.request(`/batch/jobs/${id}`, { headers: asTenant(tenant) })).json()) as Record<
    string,
    unknown
  >;
}

async function objectKeysOf(harness: Harness, id: string): Promise<string[]> {
  const listed = await harness.clients.s3.send(new ListObjectsV2Command({ Bucket: harness.outputs.uploadBucketName }));
  return (listed.Contents ?? []).map((object) => object.Key!).filter((key) => key.includes(id));
}

describe("signed webhooks against moto_server, with a local receiver", () => {
  let harness: Harness;
  let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
  const secret = newSecret();
  beforeEach(async () => {
    await resetMoto();
    receiver = await startWebhookReceiver();
  });
  afterEach(async () => {
    await harness.stop();
    await receiver.close();
  });

  const callback = () => `?callback_url=${encodeURIComponent(receiver.hookUrl)}`;

  it("calls back once when a job completes, signed so standardwebhooks verifies it with the secret", async () => {
    harness = await startJobHarness({ webhooks: { secret } });
    harness.startWorker();
    const { response, body } = await submit(harness, callback());
    expect(response.status).toBe(202);
    expect(body.callback).toEqual({ url: receiver.hookUrl, status: "pending", attempts: 0 });
    const id = String(body.interaction_id);
    await harness.finished(`/batch/jobs/${id}`, asTenant());
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(1);
    const [hook] = receiver.received;
    const payload = new Webhook(secret).verify(hook!.body, hook!.headers as Record<string, string>) as Record<
      string,
      unknown
    >;
    expect(payload).toMatchObject({
      type: "batch.processing.completed",
      interaction_id: id,
      tenant_id: TENANT,
      status: "completed",
      links: { job: `https://transcripts.example.com/batch/jobs/${id}` },
      source: "captions",
      cleaned_transcript: expect.stringContaining("Alice: So I think we should ship the release on Friday.") as unknown,
    });
    expect(hook!.headers["webhook-id"]).toMatch(/^msg_/);
    expect(() => new Webhook(newSecret()).verify(hook!.body, hook!.headers as Record<string, string>)).toThrow();
    await expect
      .poll(async () => (await jobOf(harness, id)).callback, { timeout: 10_000 })
      .toMatchObject({ status: "delivered", attempts: 1, last_status: 200 });
    // Nothing of the transcript in the logs of the delivery.
    expect(harness.workerLogs.text()).not.toContain("ship the release");
  });

  it("records no callback for a callback_url sent as a form field, and says so in X-Warning", async () => {
    harness = await startJobHarness({ webhooks: { secret } });
    const form = uploadForm(vtt, "meeting.vtt");
    form.append("callback_url", receiver.hookUrl);
    const { response, body } = await submit(harness, "", form);
    expect(response.status).toBe(202);
    expect(response.headers.get("X-Warning")).toBe(
      "callback_url was sent as a form field and ignored: request options go in the query (?callback_url=...)",
    );
    expect(body.callback).toBeUndefined();
  });

  it("calls back when a job fails, with its error, signed with the tenant's own secret", async () => {
    const tenantSecret = newSecret();
    harness = await startJobHarness({ webhooks: { secret, tenantSecrets: { [TENANT]: tenantSecret } } });
    harness.startWorker();
    const { body } = await submit(harness, callback(), uploadForm("WEBVTT\n\n", "empty.vtt"));
    const id = String(body.interaction_id);
    await expect.poll(() => receiver.received.length, { timeout: 15_000 }).toBe(1);
    const [hook] = receiver.received;
    expect(() => new Webhook(secret).verify(hook!.body, hook!.headers as Record<string, string>)).toThrow();
    expect(new Webhook(tenantSecret).verify(hook!.body, hook!.headers as Record<string, string>)).toMatchObject({
      type: "batch.processing.failed",
      interaction_id: id,
      status: "failed",
      error: { code: "empty_transcript", stage: "validation" },
      options: null,
    });
  });

  it("tries again after a 500, with the same webhook-id, until a 2xx: delivered after 3 tries", async () => {
    harness = await startJobHarness({ webhooks: { secret, maxAttempts: 5 } });
    receiver.answer(500, 500, 200);
    harness.startWorker();
    const { body } = await submit(harness, callback());
    const id = String(body.interaction_id);
    await expect.poll(() => receiver.received.length, { timeout: 30_000 }).toBe(3);
    expect(new Set(receiver.received.map((hook) => hook.headers["webhook-id"])).size).toBe(1);
    await expect
      .poll(async () => (await jobOf(harness, id)).callback, { timeout: 10_000 })
      .toMatchObject({ status: "delivered", attempts: 3, last_status: 200 });
    // A try to make again is the delivery's own business, logged by it: the consumer notes it, it does not warn.
    const lines = harness.workerLogs.lines.filter((line) => line.interaction_id === id);
    expect(lines.filter((line) => line.msg === "webhook delivery left for another try")).toHaveLength(2);
    expect(lines.filter((line) => Number(line.level) >= 40)).toEqual([]);
  });

  it("leaves the job completed and the callback failed when the receiver is down for every try", async () => {
    harness = await startJobHarness({ webhooks: { secret, maxAttempts: 2 } });
    await receiver.close();
    harness.startWorker();
    const { body } = await submit(harness, callback());
    const id = String(body.interaction_id);
    await expect
      .poll(async () => (await jobOf(harness, id)).callback, { timeout: 30_000 })
      .toMatchObject({ status: "failed", attempts: 2, last_status: null });
    expect((await jobOf(harness, id)).status).toBe("completed");
  });

  it("stops at a 410, and links to the result instead of inlining one too large, which it never reads", async () => {
    harness = await startJobHarness({ webhooks: { secret, maxAttempts: 5, maxInlineBytes: 100 } });
    receiver.answer(410);
    // Every object the worker opens, and whether its bytes were read to the end.
    const opened: Array<{ key: string; read: boolean }> = [];
    harness.startWorker((ports) => ({
      ...ports,
      objects: {
        ...ports.objects,
        async open(key, signal) {
          const object = await ports.objects.open(key, signal);
          const entry = { key, read: false };
          opened.push(entry);
          object?.body.once("end", () => (entry.read = true));
          return object;
        },
      },
    }));
    const { body } = await submit(harness, callback());
    const id = String(body.interaction_id);
    await expect
      .poll(async () => (await jobOf(harness, id)).callback, { timeout: 15_000 })
      .toMatchObject({ status: "failed", attempts: 1, last_status: 410 });
    const payload = JSON.parse(receiver.received[0]!.body) as Record<string, unknown>;
    expect(payload).not.toHaveProperty("cleaned_transcript");
    const stored = await harness.objects.getBytes(`results/${TENANT}/${id}.json`);
    expect(payload.result_omitted).toEqual({ bytes: stored!.length, max_inline_bytes: 100 });
    // The job's upload is read (the worker imports it); its result, opened for the callback, is not.
    expect(opened.filter((object) => object.key.startsWith("results/"))).toEqual([
      { key: `results/${TENANT}/${id}.json`, read: false },
    ]);
  });
});

describe("DELETE /batch/jobs/{id} against moto_server", () => {
  let harness: Harness;
  beforeEach(async () => {
    await resetMoto();
  });
  afterEach(async () => {
    await harness.stop();
  });

  it("removes every object of a completed job and answers 404 after; another tenant cannot delete it", async () => {
    harness = await startJobHarness({ durableIdempotency: true });
    harness.startWorker();
    const response = await harness.app.request("/batch/jobs", {
      method: "POST",
      body: uploadForm(vtt, "meeting.vtt"),
      headers: { ...asTenant(), "Idempotency-Key": "delete-me" },
    });
    const id = String(((await response.json()) as { interaction_id: string }).interaction_id);
    await harness.finished(`/batch/jobs/${id}`, asTenant());
    expect((await objectKeysOf(harness, id)).length).toBeGreaterThan(0);

    const stranger = await harness.app.request(`/batch/jobs/${id}`, {
      method: "DELETE",
      headers: asTenant(OTHER_TENANT),
    });
    expect(stranger.status).toBe(404);
    const deleted = await harness.app.request(`/batch/jobs/${id}`, { method: "DELETE", headers: asTenant() });
    expect(deleted.status).toBe(204);
    expect(await objectKeysOf(harness, id)).toEqual([]);
    expect((await harness.app.request(`/batch/jobs/${id}`, { headers: asTenant() })).status).toBe(404);
    expect((await harness.app.request(`/batch/jobs/${id}`, { method: "DELETE", headers: asTenant() })).status).toBe(
      404,
    );
    const listed = (await (await harness.app.request("/batch/jobs", { headers: asTenant() })).json()) as {
      jobs: Array<{ interaction_id: string }>;
    };
    expect(listed.jobs.map((job) => job.interaction_id)).not.toContain(id);
    // The recorded answer went too: the same key now starts a new job.
    const again = await harness.app.request("/batch/jobs", {
      method: "POST",
      body: uploadForm(vtt, "meeting.vtt"),
      headers: { ...asTenant(), "Idempotency-Key": "delete-me" },
    });
    expect(again.headers.get("Idempotent-Replayed")).toBeNull();
    expect(((await again.json()) as { interaction_id: string }).interaction_id).not.toBe(id);
    const audit = harness.apiLogs.lines.find((line) => line.audit === "job_deleted");
    expect(audit).toMatchObject({ job_id: id, tenant_id: TENANT, user_id: "ana@example.com" });
  });

  it("cancels a job deleted while it is processing: nothing is published, nothing is left", async () => {
    const held = gate();
    const running = gate();
    const transcriber: Transcriber = {
      provider: "deepgram",
      model: "nova-3",
      configured: true,
      async transcribe() {
        running.open();
        await held.opened;
        return {
          transcript: "we ship on friday",
          provider: "deepgram",
          model: "nova-3",
          durationS: 1,
          requestId: null,
        };
      },
    };
    harness = await startJobHarness({ transcriber });
    harness.startWorker();
    const wav = await readFile(new URL("audio/speech.wav", FIXTURES));
    const { body } = await submit(harness, "", uploadForm(wav, "speech.wav"));
    const id = String(body.interaction_id);
    await running.opened;
    expect((await harness.app.request(`/batch/jobs/${id}`, { method: "DELETE", headers: asTenant() })).status).toBe(
      204,
    );
    held.open();
    await expect
      .poll(
        () =>
          harness.workerLogs.lines.some(
            (line) => line.msg === "job deleted while it ran: nothing published, its objects removed",
          ),
        {
          timeout: 15_000,
        },
      )
      .toBe(true);
    const events = await drainQueue(harness.clients.sqs, harness.events.queueUrl, { waitMs: 2_000 });
    expect(events.filter((message) => message.Body!.includes(id))).toEqual([]);
    expect(await objectKeysOf(harness, id)).toEqual([]);
  });
});
