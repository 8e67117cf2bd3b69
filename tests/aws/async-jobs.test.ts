import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseCompletedEvent } from "../../app/events/batch-processing-completed.js";
import { parseFailedEvent } from "../../app/events/batch-processing-failed.js";
import { createDeepgramTranscriber } from "../../app/transcription/deepgram-transcriber.js";
import { FAKE_DEEPGRAM_KEY, SPOKEN_TEXT, startFakeDeepgram } from "../support/fake-deepgram.js";
import { startJobHarness, type JobHarness } from "../support/job-harness.js";
import { drainQueue, resetMoto } from "../support/moto.js";
import { FIXTURES, postUpload, uploadForm } from "../support/test-app.js";
import { parseSrt, parseVtt } from "../support/subtitle-parsers.js";

const TENANT = "11111111-1111-4111-8111-111111111111";
const asTenant = (tenant = TENANT) => ({ "X-Tenant-ID": tenant, "X-User-ID": "ana@example.com" });

async function submit(
  harness: JobHarness,
  form: FormData,
  headers: Record<string, string> = asTenant(),
  path = "/batch/jobs",
) {
  const response = await harness.app.request(path, { method: "POST", body: form, headers });
  return { response, body: (await response.json()) as Record<string, unknown> };
}

async function eventsOnQueue(harness: JobHarness, waitMs = 3_000) {
  const messages = await drainQueue(harness.clients.sqs, harness.events.queueUrl, { waitMs });
  return messages.map(
    (message) => JSON.parse(message.Body!) as { "detail-type": string; detail: Record<string, unknown> },
  );
}

describe("async jobs against moto_server", () => {
  let harness: JobHarness;
  beforeEach(async () => {
    await resetMoto();
  });
  afterEach(async () => {
    await harness.stop();
  });

  it("submit → 202 → worker → completed with the sync path's transcripts, and one BatchProcessingCompleted", async () => {
    harness = await startJobHarness();
    harness.startWorker();
    const vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));
    const { response, body } = await submit(harness, uploadForm(vtt, "meeting.vtt"));
    expect(response.status).toBe(202);
    expect(body).toMatchObject({ status: "queued", attempts: 0, bytes: vtt.length });
    const id = body.interaction_id as string;
    expect(response.headers.get("Location")).toBe(`/batch/jobs/${id}`);

    const job = await harness.finished(`/batch/jobs/${id}`, asTenant());
    const sync = (await (await postUpload(harness.app, uploadForm(vtt, "meeting.vtt"), asTenant())).json()) as Record<
      string,
      unknown
    >;
    expect(job).toMatchObject({
      interaction_id: id,
      status: "completed",
      attempts: 1,
      raw_transcript: sync.raw_transcript,
      cleaned_transcript: sync.cleaned_transcript,
      cleaner: sync.cleaner,
      source: "captions",
      metadata: sync.metadata,
    });
    expect(job.finished_at).toEqual(expect.any(String));

    const events = await eventsOnQueue(harness);
    const completedForJob = events.filter((event) => event.detail.interaction_id === id);
    expect(completedForJob).toHaveLength(1);
    expect(parseCompletedEvent(completedForJob[0]!.detail)).toMatchObject({
      tenant_id: TENANT,
      user_id: "ana@example.com",
      status: "completed",
    });
    for (const line of harness.workerLogs.lines) expect(line.interaction_id).toBe(id);
    expect(harness.workerLogs.text()).not.toContain(String(sync.cleaned_transcript).slice(0, 20));
  });

  it("hands Deepgram a presigned URL to the stored upload: the audio never passes through the worker", async () => {
    const deepgram = await startFakeDeepgram();
    try {
      harness = await startJobHarness({
        transcriber: createDeepgramTranscriber({
          apiKey: FAKE_DEEPGRAM_KEY,
          baseUrl: deepgram.url,
          model: "nova-3",
          timeoutS: 30,
        }),
      });
      harness.startWorker();
      const wav = await readFile(new URL("audio/speech.wav", FIXTURES));
      const { response, body } = await submit(harness, uploadForm(wav, "speech.wav"));
      expect(response.status).toBe(202);
      const job = await harness.finished(`/batch/jobs/${String(body.interaction_id)}`, asTenant());
      expect(job).toMatchObject({
        status: "completed",
        raw_transcript: SPOKEN_TEXT,
        source: "audio",
        metadata: { provider: "deepgram" },
      });
      const request = deepgram.requests.at(-1)!;
      expect(request.contentType).toMatch(/^application\/json/);
      expect(request.fetchedUrl).toContain(`/uploads/${TENANT}/${String(body.interaction_id)}`);
      expect(request.fetchedUrl).toContain("X-Amz-Signature=");
      expect(request.fetchedStatus).toBe(200);
      expect(request.bytes).toBe(wav.length);
      expect(request.query.get("model")).toBe("nova-3");
    } finally {
      await deepgram.close();
    }
  });

  it("transcribes a job exactly as its request asked, and serves its subtitles once completed", async () => {
    const deepgram = await startFakeDeepgram();
    try {
      harness = await startJobHarness({
        transcriber: createDeepgramTranscriber({
          apiKey: FAKE_DEEPGRAM_KEY,
          baseUrl: deepgram.url,
          model: "nova-3",
          timeoutS: 30,
        }),
      });
      const wav = await readFile(new URL("audio/speech.wav", FIXTURES));
      const { response, body } = await submit(
        harness,
        uploadForm(wav, "speech.wav"),
        asTenant(),
        "/batch/jobs?language=es&keyterm=Acme&keyterm=Zed%20Corp&redact=pci&punctuate=false",
      );
      expect(response.status).toBe(202);
      const id = String(body.interaction_id);
      // Before a worker has it: no transcript, so no subtitles.
      const early = await harness.app.request(`/batch/jobs/${id}/captions`, { headers: asTenant() });
      expect(early.status).toBe(409);
      expect(await early.json()).toMatchObject({ code: "job_not_completed", job_status: "queued" });

      harness.startWorker();
      const job = await harness.finished(`/batch/jobs/${id}`, asTenant());
      const query = deepgram.requests.at(-1)!.query;
      expect(query.getAll("keyterm")).toEqual(["Acme", "Zed Corp"]);
      expect(query.getAll("redact")).toEqual(["pci"]);
      expect(Object.fromEntries(query)).toMatchObject({ language: "es", punctuate: "false", model: "nova-3" });
      expect(job).toMatchObject({
        status: "completed",
        language: { code: "es", detected: false },
        confidence: 0.98,
        options: { language: "es", keyterm: ["Acme", "Zed Corp"], redact: ["pci"], punctuate: false },
      });
      expect((job.words as unknown[]).length).toBe(SPOKEN_TEXT.split(" ").length);

      const srt = await harness.app.request(`/batch/jobs/${id}/captions?format=srt`, { headers: asTenant() });
      expect(srt.status).toBe(200);
      expect(srt.headers.get("Content-Type")).toBe("application/x-subrip; charset=utf-8");
      expect(
        parseSrt(await srt.text())
          .map((cue) => cue.text)
          .join(" "),
      ).toBe(SPOKEN_TEXT);
      const vtt = await harness.app.request(`/batch/jobs/${id}/captions`, { headers: asTenant() });
      expect(parseVtt(await vtt.text()).errors).toEqual([]);
      // Another tenant's job is not there.
      const other = await harness.app.request(`/batch/jobs/${id}/captions`, {
        headers: asTenant("22222222-2222-4222-8222-222222222222"),
      });
      expect(other.status).toBe(404);

      const events = await eventsOnQueue(harness);
      const completed = events.find((event) => event.detail.interaction_id === id);
      expect(parseCompletedEvent(completed!.detail)).toMatchObject({
        version: "1.2",
        data: { language: { code: "es" }, options: { keyterm: ["Acme", "Zed Corp"] } },
      });
    } finally {
      await deepgram.close();
    }
  });

  it("refuses a job's option the provider cannot honour before anything is stored", async () => {
    harness = await startJobHarness();
    const vtt = await readFile(new URL("captions/meeting.vtt", FIXTURES));
    const { response, body } = await submit(
      harness,
      uploadForm(vtt, "meeting.vtt"),
      asTenant(),
      "/batch/jobs?redact=pci",
    );
    expect(response.status).toBe(422);
    expect(body).toMatchObject({ code: "unsupported_option", option: "redact", provider: "captions" });
    const bad = await submit(harness, uploadForm(vtt, "meeting.vtt"), asTenant(), "/batch/jobs?language=xx-");
    expect(bad.response.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "invalid_query", parameter: "language" });
    const listed = await harness.app.request("/batch/jobs", { headers: asTenant() });
    expect(((await listed.json()) as { jobs: unknown[] }).jobs).toEqual([]);
  });

  it("a provider that refuses fails the job with its code and publishes one BatchProcessingFailed; so does the sync path", async () => {
    const deepgram = await startFakeDeepgram();
    try {
      harness = await startJobHarness({
        transcriber: createDeepgramTranscriber({
          apiKey: "wrong-key",
          baseUrl: deepgram.url,
          model: "nova-3",
          timeoutS: 30,
        }),
      });
      harness.startWorker();
      const wav = await readFile(new URL("audio/speech.wav", FIXTURES));
      const { body } = await submit(harness, uploadForm(wav, "speech.wav"));
      const id = String(body.interaction_id);
      const job = await harness.finished(`/batch/jobs/${id}`, asTenant());
      expect(job).toMatchObject({ status: "failed", error: { code: "provider_failed", stage: "transcription" } });
      expect(job).not.toHaveProperty("raw_transcript");

      const sync = await postUpload(harness.app, uploadForm(wav, "speech.wav"), asTenant());
      expect(sync.status).toBe(502);
      const syncId = sync.headers.get("X-Interaction-ID");

      const events = await eventsOnQueue(harness);
      for (const interaction of [id, syncId]) {
        const failed = events.filter((event) => event.detail.interaction_id === interaction);
        expect(failed).toHaveLength(1);
        expect(failed[0]!["detail-type"]).toBe("BatchProcessingFailed");
        expect(parseFailedEvent(failed[0]!.detail)).toMatchObject({
          tenant_id: TENANT,
          status: "failed",
          error: { code: "provider_failed", stage: "transcription" },
          // What the provider was asked, the job's options as the sync request's.
          options: { model: "nova-3", diarize: true },
        });
      }
    } finally {
      await deepgram.close();
    }
  });

  it("refuses at submission what the sync path refuses, and keeps nothing of it", async () => {
    harness = await startJobHarness({ maxCaptionsBytes: 1024 });
    const png = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");
    const refused = await submit(harness, uploadForm(png, "a.wav"));
    expect(refused.response.status).toBe(415);
    expect(refused.body).toMatchObject({ code: "unsupported_media_type", detected_type: "image/png" });
    const tooLong = await submit(harness, uploadForm("word ".repeat(400), "notes.txt"));
    expect(tooLong.response.status).toBe(413);
    const empty = await submit(harness, uploadForm("", "notes.txt"));
    expect(empty.response.status).toBe(400);
    const listed = (await (await harness.app.request("/batch/jobs", { headers: asTenant() })).json()) as {
      jobs: unknown[];
    };
    expect(listed.jobs).toEqual([]);
    for (const id of [refused, tooLong, empty].map((r) => r.response.headers.get("X-Interaction-ID"))) {
      expect(await harness.objects.exists(`uploads/${TENANT}/${id}`)).toBe(false);
    }
    expect(await drainQueue(harness.clients.sqs, harness.outputs.workQueueUrl, { waitMs: 300 })).toEqual([]);
  });

  it("a job submitted without a tenant says which tenant it was given, and is read back as that tenant only", async () => {
    harness = await startJobHarness();
    const { response, body } = await submit(harness, uploadForm("we should ship it on friday", "notes.txt"), {});
    expect(response.status).toBe(202);
    const tenant = body.tenant_id as string;
    expect(tenant).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4/);
    const location = response.headers.get("Location")!;
    expect((await harness.app.request(location)).status).toBe(404);
    expect((await harness.app.request(location, { headers: asTenant() })).status).toBe(404);
    expect(await (await harness.app.request(location, { headers: { "X-Tenant-ID": tenant } })).json()).toMatchObject({
      tenant_id: tenant,
      status: "queued",
    });
  });

  it("Prefer: respond-async on /batch/process queues the job the same way", async () => {
    harness = await startJobHarness();
    harness.startWorker();
    const { response, body } = await submit(
      harness,
      uploadForm("we should ship it on friday", "notes.txt"),
      { ...asTenant(), Prefer: "wait=10, respond-async" },
      "/batch/process",
    );
    expect(response.status).toBe(202);
    expect(response.headers.get("Preference-Applied")).toBe("respond-async");
    const job = await harness.finished(response.headers.get("Location")!, asTenant());
    expect(job).toMatchObject({ interaction_id: body.interaction_id, status: "completed", source: "captions" });
  });
});
