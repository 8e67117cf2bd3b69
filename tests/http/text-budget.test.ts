import { readFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { inlineTextWork, type TextWork } from "../../app/text-work/text-work.js";
import { memoryJobs } from "../support/memory-jobs.js";
import { createDeepgramTranscriber } from "../../app/transcription/deepgram-transcriber.js";
import { readAnswerHere } from "../../app/transcription/provider-answer.js";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../support/fake-deepgram.js";
import { buildTestApp, FIXTURES, postUpload, uploadForm, type TestAppOverrides } from "../support/test-app.js";
import { gate } from "../support/gate.js";

/** A WebVTT file of about `bytes`, long enough to be screened as captions before it is processed. */
function captions(bytes: number): string {
  const cue = "00:00.000 --> 00:01.000\nAlice: we ship on Friday.\n\n";
  return `WEBVTT\n\n${cue.repeat(Math.ceil(bytes / cue.length))}`;
}

/** Text work whose first captions import is held until `release`, recording each import's start and end. */
function firstImportHeld() {
  const inline = inlineTextWork();
  const order: string[] = [];
  const first = gate();
  let imports = 0;
  const textWork: TextWork = {
    ...inline,
    async importCaptions(task) {
      const n = ++imports;
      order.push(`import ${n}`);
      if (n === 1) await first.opened;
      const imported = await inline.importCaptions(task);
      order.push(`imported ${n}`);
      return imported;
    },
  };
  return { textWork, order, imports: () => imports, release: first.open };
}

/** Text work whose first subtitles are held until `release`: what a long parse looks like to the next request. */
function firstRenderHeld() {
  const inline = inlineTextWork();
  const first = gate();
  let renders = 0;
  const textWork: TextWork = {
    ...inline,
    async subtitlesOfJson(task) {
      if (++renders === 1) await first.opened;
      return inline.subtitlesOfJson(task);
    },
  };
  return { textWork, renders: () => renders, release: first.open };
}

/** The speech fixture's WAV header followed by silence, `bytes` in all. */
async function readWavPadded(bytes: number): Promise<Uint8Array> {
  const head = (await readFile(new URL("audio/speech.wav", FIXTURES))).subarray(0, 44);
  return Buffer.concat([head, Buffer.alloc(bytes - head.length)]);
}

/** An app where a tenant has a quarter of the instance: 3 of the text budget's 12 units of 64 KiB, less than one file. */
const withQuarterShares = (textWork: TextWork, overrides: TestAppOverrides = {}) =>
  buildTestApp({
    textWork,
    maxConcurrentRequests: 8,
    maxConcurrentRequestsPerTenant: 2,
    maxTextInMemoryBytes: 12 * 64 * 1024,
    maxCaptionsBytes: 1024 * 1024,
    ...overrides,
  });

const TENANTS = ["11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"];

describe("captions wait for room in the text budget (MAX_TEXT_IN_MEMORY_BYTES)", () => {
  let built: Awaited<ReturnType<typeof buildTestApp>> | undefined;
  afterEach(async () => {
    await built?.dispose();
  });
  /** Whether a request has been told to wait for room (the budget's own log line). */
  const waitsForRoom = () => built!.logs.lines.some((line) => line.msg === "waiting for room in the text budget");

  /**
   * Sends `first`, then `second` once the first's render is held: the second must wait for room, unrendered,
   * until the render is let go; then both are answered 200. Returns the second's answer.
   */
  async function secondWaitsForFirst(
    { renders, release }: ReturnType<typeof firstRenderHeld>,
    first: () => Response | Promise<Response>,
    second: () => Response | Promise<Response>,
  ): Promise<Response> {
    const firstAnswer = Promise.resolve(first());
    await expect.poll(renders).toBe(1);
    const secondAnswer = Promise.resolve(second());
    await expect.poll(waitsForRoom).toBe(true);
    expect(renders()).toBe(1);
    release();
    const answers = await Promise.all([firstAnswer, secondAnswer]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    return answers[1];
  }

  it("processes a second large captions file only once the first is done with, when both do not fit", async () => {
    const { textWork, order, imports, release } = firstImportHeld();
    const file = captions(200 * 1024);
    built = await buildTestApp({ textWork, maxTextInMemoryBytes: 300 * 1024, maxCaptionsBytes: 1024 * 1024 });
    const app = built.app;
    const first = postUpload(app, uploadForm(file, "a.vtt"), { "X-Tenant-ID": TENANTS[0]! });
    await expect.poll(imports).toBe(1);
    const second = postUpload(app, uploadForm(file, "b.vtt"), { "X-Tenant-ID": TENANTS[1]! });
    await expect.poll(waitsForRoom).toBe(true);
    // The first holds its room: the second waits, unread by any text worker.
    expect(imports()).toBe(1);
    release();
    const answers = await Promise.all([first, second]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(order).toEqual(["import 1", "imported 1", "import 2", "imported 2"]);
  });

  it("keeps a tenant to its share: its second large file waits, another tenant's goes ahead", async () => {
    const { textWork, order, imports, release } = firstImportHeld();
    const file = captions(200 * 1024);
    built = await withQuarterShares(textWork);
    const app = built.app;
    const send = (tenant: string, name: string) => postUpload(app, uploadForm(file, name), { "X-Tenant-ID": tenant });
    const firstOfA = send(TENANTS[0]!, "a1.vtt");
    await expect.poll(imports).toBe(1);
    const secondOfA = send(TENANTS[0]!, "a2.vtt");
    await expect
      .poll(() =>
        built!.logs.lines.some((line) => line.msg === "waiting for room in the tenant's share of the text budget"),
      )
      .toBe(true);
    const ofB = await send(TENANTS[1]!, "b.vtt");
    expect(ofB.status).toBe(200);
    expect(order).toEqual(["import 1", "import 2", "imported 2"]);
    release();
    const answers = await Promise.all([firstOfA, secondOfA]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(order).toEqual(["import 1", "import 2", "imported 2", "imported 1", "import 3", "imported 3"]);
    expect(waitsForRoom()).toBe(false);
  });

  it("leaves the Idempotency-Key of a file refused for the moment (429) unrecorded: the retry it invites is processed", async () => {
    const { textWork, imports, release } = firstImportHeld();
    const file = captions(200 * 1024);
    built = await withQuarterShares(textWork, { textWaitMs: 200 });
    const app = built.app;
    const send = (headers: Record<string, string> = {}) =>
      postUpload(app, uploadForm(file, "minutes.vtt"), { "X-Tenant-ID": TENANTS[0]!, ...headers });
    const first = send();
    await expect.poll(imports).toBe(1);
    const keyed = { "Idempotency-Key": '"minutes-2026-12-06"' };
    const refused = await send(keyed);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ code: "tenant_too_busy" });
    release();
    expect((await first).status).toBe(200);
    const retried = await send(keyed);
    expect(retried.status).toBe(200);
    expect(retried.headers.get("Idempotent-Replayed")).toBeNull();
    expect(imports()).toBe(2);
    // Its answer is the one recorded: the next retry replays it.
    expect((await send(keyed)).headers.get("Idempotent-Replayed")).toBe("true");
  });

  it("holds a transcript sent back for subtitles the same way", async () => {
    const held = firstRenderHeld();
    built = await buildTestApp({ textWork: held.textWork, maxTextInMemoryBytes: 1 });
    const body = JSON.stringify({
      source: "audio",
      raw_transcript: "hello",
      words: [{ word: "hello", punctuated_word: "Hello.", start: 0, end: 0.5, confidence: 0.9 }],
    });
    const send = (tenant: string) =>
      built!.app.request("/batch/subtitles?format=srt", {
        method: "POST",
        body,
        headers: { "Content-Type": "application/json", "X-Tenant-ID": tenant },
      });
    const second = await secondWaitsForFirst(
      held,
      () => send(TENANTS[0]!),
      () => send(TENANTS[1]!),
    );
    expect(await second.text()).toContain("Hello.");
  });

  it("holds a job's stored result parsed for its subtitles the same way", async () => {
    const held = firstRenderHeld();
    const jobs = memoryJobs();
    built = await buildTestApp({ textWork: held.textWork, jobs, maxTextInMemoryBytes: 1 });
    const id = await jobs.seedCompleted(TENANTS[0]!, {
      raw_transcript: "Hello there.",
      cleaned_transcript: "Hello there.",
      cleaner: "rules",
      source: "audio",
      metadata: { provider: "deepgram", model: "nova-3", duration_s: 1, request_id: null },
      words: [{ word: "hello", punctuated_word: "Hello there.", start: 0, end: 0.9, confidence: 0.9 }],
      confidence: 0.9,
      language: null,
      options: null,
    });
    const read = async () =>
      built!.app.request(`/batch/jobs/${id}/captions?format=vtt`, { headers: { "X-Tenant-ID": TENANTS[0]! } });
    const second = await secondWaitsForFirst(held, read, read);
    expect(await second.text()).toContain("Hello there.");
  });

  describe("a provider's long answer", () => {
    let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
    beforeAll(async () => {
      deepgram = await startFakeDeepgram();
    });
    afterAll(() => deepgram.close());

    /** Captions held in their import, and Deepgram answering audio; `order` says when each was read. */
    async function withHeldCaptions(overrides: TestAppOverrides = {}) {
      const held = firstImportHeld();
      const transcriber = createDeepgramTranscriber({
        apiKey: FAKE_DEEPGRAM_KEY,
        baseUrl: deepgram.url,
        model: "nova-3",
        timeoutS: 10,
        readAnswer: (answer, asked) => {
          held.order.push("answer read");
          return readAnswerHere(answer, asked);
        },
      });
      built = await buildTestApp({
        textWork: held.textWork,
        transcriber,
        maxTextInMemoryBytes: 300 * 1024,
        maxCaptionsBytes: 1024 * 1024,
        ...overrides,
      });
      const app = built.app;
      const first = postUpload(app, uploadForm(captions(200 * 1024), "a.vtt"), { "X-Tenant-ID": TENANTS[0]! });
      await expect.poll(held.imports).toBe(1);
      const speech = await readFile(new URL("audio/speech.wav", FIXTURES));
      const send = (audio: Uint8Array = speech) =>
        postUpload(app, uploadForm(audio, "meeting.wav"), { "X-Tenant-ID": TENANTS[1]! });
      return { ...held, first, send };
    }

    it.each([
      ["stored first (a file shorter than its screened head)", () => undefined, false],
      // Long enough to be screened: its bytes go to Deepgram as they arrive.
      ["transcribed as it arrives", async () => readWavPadded(512 * 1024), true],
    ])(
      "%s: waits, read by no one, for room a large captions file holds; then is read and answered",
      async (_, audio, live) => {
        const { order, release, first, send } = await withHeldCaptions();
        deepgram.script({ transcript: "we ship on friday ".repeat(8000) });
        const requestsBefore = deepgram.requests.length;
        const second = send(await audio());
        await expect.poll(waitsForRoom).toBe(true);
        // Deepgram has answered; its answer waits for room, unread past its first bytes.
        expect(deepgram.requests.length).toBe(requestsBefore + 1);
        expect(deepgram.requests.at(-1)!.contentLength === undefined).toBe(live);
        expect(order).toEqual(["import 1"]);
        release();
        const answers = await Promise.all([first, second]);
        expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
        expect(order).toEqual(["import 1", "imported 1", "answer read"]);
        expect(await answers[1].json()).toMatchObject({ raw_transcript: expect.stringContaining("ship") as unknown });
      },
    );

    it("refused room once its wait runs out: 503 too_busy with Retry-After, counted as too_busy, not as the provider failing", async () => {
      const { order, release, first, send } = await withHeldCaptions({ textWaitMs: 300 });
      deepgram.script({ transcript: "we ship on friday ".repeat(8000) });
      const refused = await send();
      expect(refused.status).toBe(503);
      expect(refused.headers.get("content-type")).toContain("application/problem+json");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(await refused.json()).toMatchObject({ code: "too_busy", status: 503 });
      expect(order).toEqual(["import 1"]);
      const metrics = await (await built!.app.request("/metrics")).text();
      expect(metrics).toMatch(
        /^batch_transcription_duration_seconds_count\{provider="deepgram",outcome="too_busy"\} 1$/m,
      );
      expect(metrics).not.toMatch(/outcome="failed"/);
      release();
      expect((await first).status).toBe(200);
    });

    it("of a short recording takes no room: it is answered while the captions hold it all", async () => {
      const { order, release, first, send } = await withHeldCaptions();
      const second = await send();
      expect(second.status).toBe(200);
      expect(order).toEqual(["import 1", "answer read"]);
      expect(waitsForRoom()).toBe(false);
      release();
      expect((await first).status).toBe(200);
    });
  });

  it("lets small captions and files that fit together run at once", async () => {
    built = await buildTestApp({ maxTextInMemoryBytes: 1024 * 1024, maxCaptionsBytes: 1024 * 1024 });
    const answers = await Promise.all(
      TENANTS.map(async (tenant) =>
        postUpload(built!.app, uploadForm(captions(200 * 1024), "m.vtt"), { "X-Tenant-ID": tenant }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(waitsForRoom()).toBe(false);
  });

  it("stops parsing the captions of a client that went away", async () => {
    const inline = inlineTextWork();
    let seen: AbortSignal | undefined;
    const textWork: TextWork = {
      ...inline,
      importCaptions: (_task, signal) =>
        new Promise((_resolve, reject) => {
          seen = signal;
          signal?.addEventListener("abort", () => reject(signal.reason as Error));
        }),
    };
    built = await buildTestApp({ textWork, maxCaptionsBytes: 1024 * 1024 });
    const client = new AbortController();
    const request = Promise.resolve(
      built.app.request("/batch/process", {
        method: "POST",
        body: uploadForm(captions(200 * 1024), "gone.vtt"),
        headers: { "X-Tenant-ID": TENANTS[0]! },
        signal: client.signal,
      }),
    ).catch((error: unknown) => error);
    await expect.poll(() => seen).toBeDefined();
    expect(seen!.aborted).toBe(false);
    client.abort();
    await request;
    expect(seen!.aborted).toBe(true);
  });
});
