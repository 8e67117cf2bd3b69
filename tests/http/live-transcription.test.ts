import { request } from "node:http";
import { readFile } from "node:fs/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRulesCleaner } from "../../app/cleaning/rules-cleaner.js";
import { disabledPublisher } from "../../app/events/event-publisher.js";
import { createMetrics } from "../../app/observability/metrics.js";
import { createBatchPipeline } from "../../app/pipeline/batch-pipeline.js";
import { inlineTextWork } from "../../app/text-work/text-work.js";
import { createDeepgramTranscriber } from "../../app/transcription/deepgram-transcriber.js";
import type { AudioFile, Transcriber } from "../../app/transcription/transcriber.js";
import { createAudioTee } from "../../app/upload/audio-tee.js";
import { inMemoryFile } from "../../app/upload/upload-sink.js";
import { captureLogger } from "../support/capture-logger.js";
import { FAKE_DEEPGRAM_KEY, SPOKEN_TEXT, startFakeDeepgram } from "../support/fake-deepgram.js";
import { listenTestApp } from "../support/listening-app.js";
import { streamedUpload } from "../support/streamed-upload.js";
import { FIXTURES } from "../support/test-app.js";
import { defaultOptions, optionPolicyFor } from "../support/option-policies.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const wavHead = (await readFile(new URL("audio/speech.wav", FIXTURES))).subarray(0, 44);
const fastRetry = { attempts: 3, initialDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 5_000 };

interface RawUpload {
  total: number;
  headers?: Record<string, string>;
  /** Awaited after each chunk sent, so a test can look at the provider while the upload is under way. */
  onProgress?: (sent: number) => void | Promise<void>;
  /** Drop the connection once this many bytes are sent. */
  abortAfter?: number;
}

/**
 * A WAV sent as the raw request body, chunked (no Content-Length), in 64 KiB writes with backpressure.
 * Resolves with the answer, or `aborted`; write errors after the server answered (it refused) are expected.
 */
function rawWavUpload(url: string, upload: RawUpload): Promise<{ status: number; body: string } | "aborted"> {
  const chunk = Buffer.alloc(64 * KiB);
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/batch/process`,
      { method: "POST", headers: { "Content-Type": "audio/wav", ...upload.headers } },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (text: string) => (body += text));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    let answered = false;
    req.on("response", () => (answered = true));
    req.on("error", (error) => (answered || upload.abortAfter !== undefined ? undefined : reject(error)));
    void (async () => {
      const write = (data: Buffer) =>
        req.write(data) ? Promise.resolve() : new Promise<void>((done) => req.once("drain", () => done()));
      await write(wavHead);
      let sent = wavHead.length;
      while (sent < upload.total && !answered && !req.destroyed) {
        const size = Math.min(chunk.length, upload.total - sent);
        await write(chunk.subarray(0, size));
        sent += size;
        await upload.onProgress?.(sent);
        if (upload.abortAfter !== undefined && sent >= upload.abortAfter) {
          req.destroy();
          resolve("aborted");
          return;
        }
      }
      if (!answered) req.end();
    })().catch(reject);
  });
}

/** Holds the upload once, at `atBytes`, until the provider is receiving audio. */
function pauseUntilProviderReceives(deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>, atBytes: number) {
  let paused = false;
  return async (sent: number) => {
    if (paused || sent < atBytes) return;
    paused = true;
    await expect.poll(() => deepgram.arrivals[0]?.bytes ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
  };
}

describe("audio goes to the provider while it uploads", () => {
  let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
  let service: Awaited<ReturnType<typeof listenTestApp>>;
  beforeEach(async () => {
    deepgram = await startFakeDeepgram();
    service = await listenTestApp({
      transcriber: createDeepgramTranscriber({
        apiKey: FAKE_DEEPGRAM_KEY,
        baseUrl: deepgram.url,
        model: "nova-3",
        timeoutS: 30,
        retry: fastRetry,
      }),
      maxUploadBytes: 4 * MiB,
      uploadIdleTimeoutMs: 20_000,
    });
  });
  afterEach(async () => {
    await service.close();
    await deepgram.close();
  });

  it("the provider receives the first bytes before the last are sent, and all of them by the answer", async () => {
    const total = 2 * MiB;
    // The upload stops half way until the provider has bytes: only a transcription started early lets it finish.
    const answer = await rawWavUpload(service.url, { total, onProgress: pauseUntilProviderReceives(deepgram, MiB) });
    expect(answer).toMatchObject({ status: 200 });
    expect(JSON.parse((answer as { body: string }).body)).toMatchObject({ raw_transcript: SPOKEN_TEXT });
    expect(deepgram.requests).toHaveLength(1);
    expect(deepgram.requests[0]).toMatchObject({ bytes: total, contentLength: undefined, contentType: "audio/wav" });
    expect(await service.leftoverUploads()).toEqual([]);
  });

  it("a multipart upload streams the same way", async () => {
    const fileBytes = 2 * MiB;
    const answer = await streamedUpload(`${service.url}/batch/process`, {
      head: wavHead,
      fileBytes,
      onProgress: pauseUntilProviderReceives(deepgram, MiB),
    });
    expect(answer).toMatchObject({ status: 200 });
    expect(deepgram.requests).toEqual([expect.objectContaining({ bytes: fileBytes, contentLength: undefined })]);
  });

  it("an upload refused half way (over the size limit) aborts the provider request", async () => {
    const answer = await rawWavUpload(service.url, {
      total: 6 * MiB,
      onProgress: pauseUntilProviderReceives(deepgram, MiB),
    });
    expect(answer).toMatchObject({ status: 413 });
    await expect.poll(() => deepgram.arrivals[0]?.state, { timeout: 15_000 }).toBe("aborted");
    expect(deepgram.requests).toEqual([]);
    expect(await service.leftoverUploads()).toEqual([]);
  });

  it("a client that goes away half way aborts the provider request", async () => {
    const answer = await rawWavUpload(service.url, {
      total: 3 * MiB,
      abortAfter: 2 * MiB,
      onProgress: pauseUntilProviderReceives(deepgram, MiB),
    });
    expect(answer).toBe("aborted");
    await expect.poll(() => deepgram.arrivals[0]?.state, { timeout: 15_000 }).toBe("aborted");
    expect(deepgram.requests).toEqual([]);
    await expect.poll(() => service.leftoverUploads(), { timeout: 15_000 }).toEqual([]);
  });

  it("a live attempt that fails is retried from the stored file, sent whole with its length", async () => {
    deepgram.script({ status: 503 });
    const total = 2 * MiB;
    const answer = await rawWavUpload(service.url, { total, onProgress: pauseUntilProviderReceives(deepgram, MiB) });
    expect(answer).toMatchObject({ status: 200 });
    expect(deepgram.requests.map(({ bytes, contentLength }) => ({ bytes, contentLength }))).toEqual([
      { bytes: total, contentLength: undefined },
      { bytes: total, contentLength: String(total) },
    ]);
    expect(service.logs.lines.filter((line) => line.msg === "transcription attempt failed")).toEqual([
      expect.objectContaining({ attempt: 1, reason: "status 503", retryable: true }),
    ]);
  });

  it("with an Idempotency-Key, nothing is sent before the key is claimed: the provider gets the stored file", async () => {
    const total = 2 * MiB;
    const answer = await rawWavUpload(service.url, { total, headers: { "Idempotency-Key": "once-only" } });
    expect(answer).toMatchObject({ status: 200 });
    expect(deepgram.requests).toEqual([expect.objectContaining({ bytes: total, contentLength: String(total) })]);
  });
});

describe("the pipeline and a live transcription", () => {
  it("drops it, and sends the file, when the whole file reads as another type than its head did", async () => {
    const sent: AudioFile[] = [];
    const transcriber: Transcriber = {
      provider: "deepgram",
      model: "nova-3",
      configured: true,
      transcribe(audio) {
        sent.push(audio);
        return Promise.resolve({
          transcript: "from the file",
          provider: "deepgram",
          model: "nova-3",
          durationS: null,
          requestId: null,
        });
      },
      // Answers only when stopped: its answer must not be the one used.
      transcribeArriving: (_audio, { signal }) =>
        new Promise((_resolve, reject) => signal?.addEventListener("abort", () => reject(new Error("stopped")))),
    };
    const pipeline = createBatchPipeline({
      transcriber,
      cleaner: createRulesCleaner(),
      publisher: disabledPublisher("no_credentials"),
      observer: createMetrics({ defaultMetrics: false }).observer,
      maxCaptionsBytes: MiB,
      textWork: inlineTextWork(),
      optionPolicy: optionPolicyFor(transcriber),
    });
    const wav = await readFile(new URL("audio/speech.wav", FIXTURES));
    const tee = createAudioTee();
    const log = captureLogger().logger;
    // As if the head had read as Ogg.
    tee.take("audio/ogg", (audio) =>
      transcriber.transcribeArriving!(audio, { log, signal: tee.signal, options: defaultOptions(transcriber) }),
    );
    const outcome = await pipeline.process({
      context: { interactionId: "live-1", tenantId: "t", userId: "u", accountId: "a" },
      upload: {
        bytes: wav.length,
        declaredType: "audio/wav",
        memory: inMemoryFile([wav]),
        localPath: () => Promise.resolve("/uploads/live-1"),
        tee,
      },
      log,
    });
    expect(outcome.raw.text).toBe("from the file");
    expect(sent).toEqual([{ path: "/uploads/live-1", bytes: wav.length, mime: "audio/wav" }]);
    expect(tee.signal.aborted).toBe(true);
  });
});
