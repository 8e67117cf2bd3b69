import { readFile } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import { capturingPublisher } from "../support/capturing-publisher.js";
import { describe, expect, it } from "vitest";
import { type Transcriber } from "../../app/transcription/transcriber.js";
import { ProviderFailure } from "../../app/domain/failures.js";
import { memoryJobs } from "../support/memory-jobs.js";
import { createMemoryIdempotencyStore } from "../../app/idempotency/idempotency-store.js";
import { buildTestApp, FIXTURES, postUpload, uploadForm } from "../support/test-app.js";

const wav = await readFile(new URL("audio/speech.wav", FIXTURES));
const TENANT_A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
const TENANT_B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";

/** A transcriber that counts its calls, can be held until released, and fails when told to. */
function countingTranscriber() {
  let release: (() => void) | undefined;
  const state = { calls: 0, failNext: false, hold: false };
  const transcriber: Transcriber = {
    provider: "deepgram",
    model: "nova-3",
    configured: true,
    async transcribe() {
      state.calls += 1;
      if (state.hold) await new Promise<void>((resolve) => (release = resolve));
      if (state.failNext) {
        state.failNext = false;
        throw new ProviderFailure("failed", "deepgram", "Deepgram answered 500.", { status: 500, attempts: 3 });
      }
      return {
        transcript: "we ship on friday",
        provider: "deepgram",
        model: "nova-3",
        durationS: 1,
        requestId: `r-${state.calls}`,
        utterances: [{ speaker: "Speaker 0", start: 0, end: 1, text: "we ship on friday" }],
      };
    },
  };
  return { transcriber, state, release: () => release?.() };
}

const withKey = (key: string, tenant = TENANT_A, extra: Record<string, string> = {}) => ({
  "Idempotency-Key": key,
  "X-Tenant-ID": tenant,
  ...extra,
});

describe("Idempotency-Key on POST /batch/process", () => {
  it("replays the first answer for the same key and file: one transcription, one event, the same interaction id", async () => {
    const provider = countingTranscriber();
    const events = capturingPublisher();
    const { app } = await buildTestApp({ transcriber: provider.transcriber, publisher: events.publisher });
    const first = await postUpload(app, uploadForm(wav, "speech.wav"), withKey('"retry-me"'));
    expect(first.status).toBe(200);
    expect(first.headers.get("Idempotent-Replayed")).toBeNull();
    const firstBody = await first.text();
    const second = await postUpload(app, uploadForm(wav, "speech.wav"), withKey("retry-me"));
    expect(second.status).toBe(200);
    expect(second.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await second.text()).toBe(firstBody);
    expect(provider.state.calls).toBe(1);
    expect(events.details).toHaveLength(1);
    const metrics = await (await app.request("/metrics")).text();
    expect(metrics).toMatch(/batch_idempotent_replays_total 1/);
  });

  it("refuses the key with another file, or from another user, with 422; another tenant's key is its own", async () => {
    const provider = countingTranscriber();
    const { app } = await buildTestApp({ transcriber: provider.transcriber });
    expect((await postUpload(app, uploadForm(wav, "speech.wav"), withKey("k1"))).status).toBe(200);
    const otherFile = await postUpload(app, uploadForm("we ship on monday", "notes.txt"), withKey("k1"));
    expect(otherFile.status).toBe(422);
    expect(await otherFile.json()).toMatchObject({ code: "idempotency_key_reused" });
    expect(
      (await postUpload(app, uploadForm(wav, "speech.wav"), withKey("k1", TENANT_A, { "X-User-ID": "someone-else" })))
        .status,
    ).toBe(422);
    const otherTenant = await postUpload(app, uploadForm(wav, "speech.wav"), withKey("k1", TENANT_B));
    expect(otherTenant.status).toBe(200);
    expect(otherTenant.headers.get("Idempotent-Replayed")).toBeNull();
    expect(provider.state.calls).toBe(2);
  });

  it("binds the key to the options and the answer's format: the same ones replay, others are a 422", async () => {
    const provider = countingTranscriber();
    const { app } = await buildTestApp({ transcriber: provider.transcriber });
    const send = (query: string, headers: Record<string, string> = {}) =>
      app.request(`/batch/process${query}`, {
        method: "POST",
        body: uploadForm(wav, "speech.wav"),
        headers: withKey("opts", TENANT_A, headers),
      });
    const first = await send("?language=es&keyterm=Acme", { Accept: "text/vtt" });
    expect(first.status).toBe(200);
    expect(first.headers.get("Content-Type")).toBe("text/vtt; charset=utf-8");
    const vtt = await first.text();
    const replayed = await send("?keyterm=Acme&language=es", { Accept: "text/vtt" });
    expect(replayed.headers.get("Idempotent-Replayed")).toBe("true");
    expect(replayed.headers.get("Content-Type")).toBe("text/vtt; charset=utf-8");
    expect(await replayed.text()).toBe(vtt);
    expect((await send("?language=fr&keyterm=Acme", { Accept: "text/vtt" })).status).toBe(422);
    expect((await send("?language=es&keyterm=Acme")).status).toBe(422);
    expect(provider.state.calls).toBe(1);
  });

  it("renews the key's short lease while its request runs, so a slow request keeps its key", async () => {
    const provider = countingTranscriber();
    provider.state.hold = true;
    const memory = createMemoryIdempotencyStore({ ttlS: 3600 });
    const renewals: number[] = [];
    const store = {
      ...memory,
      renew: (...args: Parameters<typeof memory.renew>) => (renewals.push(args[3]), memory.renew(...args)),
    };
    const { app } = await buildTestApp({
      transcriber: provider.transcriber,
      idempotencyStore: store,
      idempotencyLeaseS: 0.3,
    });
    const first = postUpload(app, uploadForm(wav, "speech.wav"), withKey("slow"));
    await expect.poll(() => renewals.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(renewals.every((leaseS) => leaseS === 0.3)).toBe(true);
    expect((await postUpload(app, uploadForm(wav, "speech.wav"), withKey("slow"))).status).toBe(409);
    provider.release();
    expect((await first).status).toBe(200);
    const settled = renewals.length;
    await nextTurn();
    expect(renewals.length).toBe(settled);
  });

  it("answers 409 with Retry-After while the first request with the key still runs, and transcribes once", async () => {
    const provider = countingTranscriber();
    provider.state.hold = true;
    const events = capturingPublisher();
    const { app } = await buildTestApp({ transcriber: provider.transcriber, publisher: events.publisher });
    const first = postUpload(app, uploadForm(wav, "speech.wav"), withKey("together"));
    await expect.poll(() => provider.state.calls).toBe(1);
    const second = await postUpload(app, uploadForm(wav, "speech.wav"), withKey("together"));
    expect(second.status).toBe(409);
    expect(second.headers.get("Retry-After")).toBe("5");
    expect(await second.json()).toMatchObject({ code: "idempotency_in_progress" });
    provider.release();
    expect((await first).status).toBe(200);
    expect(provider.state.calls).toBe(1);
    expect(events.details).toHaveLength(1);
  });

  it("does not record a 5xx: a retry with the key runs again", async () => {
    const provider = countingTranscriber();
    provider.state.failNext = true;
    const { app } = await buildTestApp({ transcriber: provider.transcriber });
    expect((await postUpload(app, uploadForm(wav, "speech.wav"), withKey("flaky"))).status).toBe(502);
    const retried = await postUpload(app, uploadForm(wav, "speech.wav"), withKey("flaky"));
    expect(retried.status).toBe(200);
    expect(retried.headers.get("Idempotent-Replayed")).toBeNull();
    expect(provider.state.calls).toBe(2);
  });

  it("records a refusal of what was sent: an empty transcript is replayed as the same 422, with no second event", async () => {
    const events = capturingPublisher();
    const { app } = await buildTestApp({ publisher: events.publisher });
    const first = await postUpload(app, uploadForm("WEBVTT\n\n", "empty.vtt"), withKey("empty"));
    expect(first.status).toBe(422);
    const body = await first.text();
    const again = await postUpload(app, uploadForm("WEBVTT\n\n", "empty.vtt"), withKey("empty"));
    expect(again.status).toBe(422);
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(again.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await again.text()).toBe(body);
    expect(events.details).toHaveLength(1);
  });

  it.each([
    ["over 255 characters", "k".repeat(256)],
    ["with a control character", "a\u0001b"],
    ["empty", '""'],
  ])("refuses a key %s with 400 invalid_header, before the upload", async (_name, key) => {
    const { app } = await buildTestApp();
    const response = await postUpload(app, uploadForm("hello", "notes.txt"), { "Idempotency-Key": key });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_header", header: "Idempotency-Key" });
  });

  it("accepts a key of exactly 255 characters", async () => {
    const { app } = await buildTestApp();
    expect(
      (await postUpload(app, uploadForm("hello", "notes.txt"), { "Idempotency-Key": "k".repeat(255) })).status,
    ).toBe(200);
  });
});

describe("an idempotency store that fails", () => {
  it("refuses with 503 storage_unavailable when the key cannot be claimed, and still answers when the record cannot be written", async () => {
    const down = () => Promise.reject(new Error("table is down"));
    const unclaimable = await buildTestApp({
      idempotencyStore: { durable: true, begin: down, complete: down, release: down, forget: down, renew: down },
    });
    const refused = await postUpload(unclaimable.app, uploadForm("hello", "notes.txt"), withKey("k"));
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ code: "storage_unavailable" });
    const unrecordable = await buildTestApp({
      idempotencyStore: {
        durable: true,
        begin: () => Promise.resolve({ claimed: true }),
        complete: down,
        release: down,
        forget: down,
        renew: down,
      },
    });
    const answered = await postUpload(unrecordable.app, uploadForm("hello", "notes.txt"), withKey("k"));
    expect(answered.status).toBe(200);
    expect(
      unrecordable.logs.lines.some(
        (line) => line.msg === "idempotency record not updated; a retry with this key will run again",
      ),
    ).toBe(true);
  });
});

describe("Idempotency-Key on POST /batch/jobs", () => {
  it("queues one job for the key and replays its 202 with the same Location", async () => {
    const jobs = memoryJobs();
    const { app } = await buildTestApp({ jobs });
    const submit = () =>
      app.request("/batch/jobs", {
        method: "POST",
        body: uploadForm("the budget is approved", "notes.txt"),
        headers: withKey("job-1"),
      });
    const first = await submit();
    expect(first.status).toBe(202);
    const second = await submit();
    expect(second.status).toBe(202);
    expect(second.headers.get("Idempotent-Replayed")).toBe("true");
    expect(second.headers.get("Location")).toBe(first.headers.get("Location"));
    expect(jobs.sent).toHaveLength(1);
    expect(jobs.records.size).toBe(1);
  });
});
