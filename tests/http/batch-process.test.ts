import { readFile } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import { queryObjects } from "node:v8";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createOpenAiCleaner } from "../../app/cleaning/openai-cleaner.js";
import { createDeepgramTranscriber } from "../../app/transcription/deepgram-transcriber.js";
import { createOpenAiTranscriber } from "../../app/transcription/openai-transcriber.js";
import { createInFlightRequests } from "../../app/http/middleware/in-flight-requests.js";
import { FAKE_DEEPGRAM_KEY, SPOKEN_TEXT, startFakeDeepgram } from "../support/fake-deepgram.js";
import { FAKE_OPENAI_KEY, startFakeOpenAi } from "../support/fake-openai.js";
import { buildTestApp, FIXTURES, postUpload, uploadForm } from "../support/test-app.js";
import { gate } from "../support/gate.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const fixture = (path: string) => readFile(new URL(path, FIXTURES));

describe("POST /batch/process", () => {
  let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
  let openai: Awaited<ReturnType<typeof startFakeOpenAi>>;

  beforeAll(async () => {
    [deepgram, openai] = await Promise.all([startFakeDeepgram(), startFakeOpenAi()]);
  });
  afterAll(async () => {
    await Promise.all([deepgram.close(), openai.close()]);
  });

  it("says who it ran as: a replaced tenant in X-Warning and in the body's warnings; X-Request-ID echoed and logged", async () => {
    const { app, logs } = await buildTestApp();
    const response = await postUpload(app, uploadForm("we ship on friday", "notes.txt"), {
      "X-Tenant-ID": "acme-corp",
      "X-Account-ID": "acc_1",
      "X-Request-ID": "req-42",
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("X-Request-ID")).toBe("req-42");
    const warning = response.headers.get("X-Warning");
    expect(warning).toMatch(/X-Tenant-ID is not a UUID v4/);
    const body = (await response.json()) as {
      tenant_id: string;
      user_id: string;
      account_id: string;
      warnings: string[];
    };
    expect(body).toMatchObject({ user_id: "system", account_id: "acc_1", warnings: [warning] });
    expect(body.tenant_id).toMatch(UUID_V4);
    // `client_request_id`: `request_id` is the provider's, in the transcript's metadata.
    for (const line of logs.lines) expect(line.client_request_id).toBe("req-42");
    const plain = await postUpload(app, uploadForm("we ship on friday", "notes.txt"), {
      "X-Request-ID": "has spaces and is ignored",
    });
    expect(plain.headers.get("X-Request-ID")).toBeNull();
    expect(await plain.json()).not.toHaveProperty("warnings");
  });

  it("imports captions with no paid service and cleans them with the rules", async () => {
    const { app, leftoverUploads, logs } = await buildTestApp();
    const response = await postUpload(app, uploadForm(await fixture("captions/meeting.vtt"), "meeting.vtt"), {
      "X-Tenant-ID": "11111111-1111-4111-8111-111111111111",
      "X-User-ID": "ana@example.com",
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      interaction_id: response.headers.get("X-Interaction-ID"),
      tenant_id: "11111111-1111-4111-8111-111111111111",
      user_id: "ana@example.com",
      account_id: null,
      raw_transcript: expect.stringContaining("Alice: Um, so I I think") as unknown,
      cleaned_transcript: [
        "Alice: So I think we should ship the release on Friday.",
        "Bob: Okay. I agree, but the docs need an update first.",
        "Alice: Right. Let's do that tomorrow.",
      ].join("\n"),
      cleaner: "rules",
      source: "captions",
      metadata: { provider: null, model: null, duration_s: 10, request_id: null },
      utterances: [
        { speaker: "Alice", start: 0, end: 4.2, text: "Um, so I I think we should, uh, ship the release on Friday." },
        { speaker: "Bob", start: 4.5, end: 7.9, text: "hmm, okay. i agree, but the docs need an update first." },
        { speaker: "Alice", start: 8.1, end: 10, text: "Right. Let's, um, let's do that tomorrow." },
      ],
      // Captions are not transcribed: no words, no confidence, no options; the language only if asked.
      confidence: null,
      language: null,
      options: null,
      event: { status: "disabled", error: "no_credentials" },
    });
    expect(body.interaction_id).toMatch(UUID_V4);
    expect(await leftoverUploads()).toEqual([]);
    expect(logs.text()).not.toContain("ship the release");
    for (const line of logs.lines) expect(line.interaction_id).toBe(body.interaction_id);
  });

  /** Deepgram's SDK to transcribe and OpenAI's to clean, both against their local servers. */
  const deepgramCleanedByModel = () => ({
    transcriber: createDeepgramTranscriber({
      apiKey: FAKE_DEEPGRAM_KEY,
      baseUrl: deepgram.url,
      model: "nova-3",
      timeoutS: 5,
    }),
    cleaner: createOpenAiCleaner({
      apiKey: FAKE_OPENAI_KEY,
      baseUrl: openai.baseUrl,
      model: "gpt-4o",
      timeoutS: 5,
      chunkChars: 4000,
      concurrency: 2,
    }),
  });

  it("transcribes audio through Deepgram and cleans it through the model", async () => {
    const { app, leftoverUploads } = await buildTestApp(deepgramCleanedByModel());
    const response = await postUpload(app, uploadForm(await fixture("audio/speech.ogg"), "call.ogg"));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      raw_transcript: SPOKEN_TEXT,
      cleaned_transcript: "I I think we ship on Friday.",
      cleaner: "openai",
      source: "audio",
      metadata: { provider: "deepgram", model: "nova-3", duration_s: 2.1, request_id: expect.any(String) as unknown },
    });
    expect(deepgram.requests.at(-1)?.contentType).toBe("audio/ogg; codecs=opus");
    expect(await leftoverUploads()).toEqual([]);
  });

  // Deepgram's SDK and OpenAI's leave a listener on the abort signal they are given, and Node holds an
  // `AbortSignal.any` that has a listener until it aborts: each audio request used to keep its signals, and
  // everything their listeners reach, for the life of the process.
  it("leaves no abort signal behind: as many are alive after 80 audio requests as before", async () => {
    const { app } = await buildTestApp(deepgramCleanedByModel());
    const audio = await fixture("audio/speech.ogg");
    const post = async () => {
      const response = await postUpload(app, uploadForm(audio, "call.ogg"));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ cleaner: "openai", source: "audio" });
    };
    // The first request makes what lives as long as the app does.
    await post();
    await nextTurn();
    // Counted after a full collection.
    const before = queryObjects(AbortSignal, { format: "count" });
    for (let request = 0; request < 80; request++) await post();
    await nextTurn();
    // A leak keeps at least one a request; the last requests' SDK calls can still hold a few on a busy machine
    // (27 seen with two test runs at once), however many requests came before them.
    expect(queryObjects(AbortSignal, { format: "count" }) - before).toBeLessThan(40);
  });
  it("answers two Deepgram speakers as utterances, and a Speaker-labelled raw transcript; the event keeps utterances out", async () => {
    const published: unknown[] = [];
    const { app } = await buildTestApp({
      transcriber: createDeepgramTranscriber({
        apiKey: FAKE_DEEPGRAM_KEY,
        baseUrl: deepgram.url,
        model: "nova-3",
        timeoutS: 5,
      }),
      publisher: {
        state: "enabled",
        publish: (detail) => (
          published.push(detail),
          Promise.resolve({ status: "published", eventId: "e", attempts: 1 })
        ),
      },
    });
    deepgram.script({
      speakers: [
        { speaker: 0, text: "Um, shall we ship on Friday?" },
        { speaker: 1, text: "Yes, Friday works." },
      ],
    });
    const response = await postUpload(app, uploadForm(await fixture("audio/speech.ogg"), "call.ogg"));
    const body = (await response.json()) as {
      raw_transcript: string;
      cleaned_transcript: string;
      utterances: unknown[];
    };
    expect(body.raw_transcript).toBe("Speaker 0: Um, shall we ship on Friday?\nSpeaker 1: Yes, Friday works.");
    expect(body.cleaned_transcript).toBe("Speaker 0: Shall we ship on Friday?\nSpeaker 1: Yes, Friday works.");
    expect(body.utterances).toEqual([
      { speaker: "Speaker 0", start: 0, end: 1.9, text: "Um, shall we ship on Friday?" },
      { speaker: "Speaker 1", start: 2, end: 3.9, text: "Yes, Friday works." },
    ]);
    expect(published[0]).not.toHaveProperty("utterances");
    // 1.2: the transcripts and what they are (words, language, confidence, options); utterances stay in the answer.
    expect(Object.keys((published[0] as { data: object }).data).sort()).toEqual([
      "cleaned_transcript",
      "confidence",
      "language",
      "options",
      "raw_transcript",
      "words",
    ]);
  });

  it("reads no speaker label into a transcript without speakers: a colon in its speech is speech, to either cleaner", async () => {
    const transcript = "Um, so here's the plan: we ship on Friday.";
    const transcriber = createDeepgramTranscriber({
      apiKey: FAKE_DEEPGRAM_KEY,
      baseUrl: deepgram.url,
      model: "nova-3",
      timeoutS: 5,
    });
    const byRules = await buildTestApp({ transcriber });
    deepgram.script({ transcript });
    const rules = await postUpload(byRules.app, uploadForm(await fixture("audio/speech.ogg"), "call.ogg"));
    expect(await rules.json()).toMatchObject({
      raw_transcript: transcript,
      cleaned_transcript: "So here's the plan: we ship on Friday.",
      cleaner: "rules",
    });

    const byModel = await buildTestApp(deepgramCleanedByModel());
    deepgram.script({ transcript });
    const chats = openai.chats.length;
    const model = await postUpload(byModel.app, uploadForm(await fixture("audio/speech.ogg"), "call.ogg"));
    // The model is sent the whole line, and its cleaning of the words before the colon is kept.
    expect(openai.chats.slice(chats).map((chat) => chat.messages.at(-1)?.content)).toEqual([transcript]);
    expect(await model.json()).toMatchObject({
      cleaned_transcript: "so here's the plan: we ship on Friday.",
      cleaner: "openai",
    });
  });

  it("answers a diarizing OpenAI-compatible server's speakers, and the model's cleaning keeps every label", async () => {
    const diarizing = await startFakeOpenAi({
      transcript: "Um, shall we ship on Friday? Yes, uh, Friday works.",
      segments: [
        { start: 0, end: 1.8, text: "Um, shall we ship on Friday?", speaker: "A" },
        { start: 2, end: 3.5, text: "Yes, uh, Friday works.", speaker: "B" },
      ],
    });
    try {
      const { app } = await buildTestApp({
        transcriber: createOpenAiTranscriber({
          apiKey: FAKE_OPENAI_KEY,
          baseUrl: diarizing.baseUrl,
          model: "gpt-4o-transcribe-diarize",
          timeoutS: 5,
        }),
        cleaner: createOpenAiCleaner({
          apiKey: FAKE_OPENAI_KEY,
          baseUrl: diarizing.baseUrl,
          model: "gpt-4o",
          timeoutS: 5,
          chunkChars: 4000,
          concurrency: 2,
        }),
      });
      const response = await postUpload(app, uploadForm(await fixture("audio/speech.ogg"), "call.ogg"));
      expect(await response.json()).toMatchObject({
        raw_transcript: "Speaker A: Um, shall we ship on Friday?\nSpeaker B: Yes, uh, Friday works.",
        cleaned_transcript: "Speaker A: shall we ship on Friday?\nSpeaker B: Yes, Friday works.",
        cleaner: "openai",
        metadata: { provider: "openai", model: "gpt-4o-transcribe-diarize", duration_s: 3.5, request_id: null },
        utterances: [
          { speaker: "Speaker A", start: 0, end: 1.8, text: "Um, shall we ship on Friday?" },
          { speaker: "Speaker B", start: 2, end: 3.5, text: "Yes, uh, Friday works." },
        ],
      });
      expect(diarizing.chats[0]?.messages[1]?.content).toBe("Um, shall we ship on Friday?\nYes, uh, Friday works.");
    } finally {
      await diarizing.close();
    }
  });

  it("answers 503 naming the variable when the provider has no key, and still takes captions", async () => {
    const { app } = await buildTestApp();
    const audio = await postUpload(app, uploadForm(await fixture("audio/speech.wav")));
    expect(audio.status).toBe(503);
    expect(audio.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await audio.json()).toMatchObject({ code: "provider_not_configured", variable: "DEEPGRAM_API_KEY" });
    const captions = await postUpload(app, uploadForm(await fixture("captions/meeting.srt")));
    expect(captions.status).toBe(200);
  });

  const deepgramApp = (apiKey = FAKE_DEEPGRAM_KEY) =>
    buildTestApp({
      transcriber: createDeepgramTranscriber({
        apiKey,
        baseUrl: deepgram.url,
        model: "nova-3",
        timeoutS: 5,
        retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 10 },
      }),
    });

  it("answers 502 with the provider's status when Deepgram refuses the key", async () => {
    const { app } = await deepgramApp("wrong");
    const response = await postUpload(app, uploadForm(await fixture("audio/speech.flac")));
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({
      code: "provider_failed",
      provider: "deepgram",
      provider_status: 401,
      attempts: 1,
    });
  });

  it("answers 502 when Deepgram keeps failing after its retries", async () => {
    const { app } = await deepgramApp();
    deepgram.script({ status: 500 }, { status: 500 });
    const response = await postUpload(app, uploadForm(await fixture("audio/speech.flac")));
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: "provider_failed", provider_status: 500, attempts: 2 });
  });

  it("answers 504 when Deepgram times out", async () => {
    const { app } = await buildTestApp({
      transcriber: createDeepgramTranscriber({
        apiKey: FAKE_DEEPGRAM_KEY,
        baseUrl: deepgram.url,
        model: "nova-3",
        timeoutS: 1,
      }),
    });
    deepgram.script({ delayMs: 1500 });
    const response = await postUpload(app, uploadForm(await fixture("audio/speech.mp3")));
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ code: "provider_timeout" });
  });

  it("uses MOCK_TENANT_ID and MOCK_USER_ID when the headers are absent, and warns about a bad tenant id", async () => {
    const tenantId = "00000000-0000-4000-8000-000000000000";
    const { app, logs } = await buildTestApp({ identityDefaults: { tenantId, userId: "mock-user" } });
    await postUpload(app, uploadForm("hello"));
    expect(logs.lines.find((line) => line.msg === "batch processing started")).toMatchObject({
      tenant_id: tenantId,
      user_id: "mock-user",
    });
    const warned = await postUpload(app, uploadForm("hello"), { "X-Tenant-ID": "acme" });
    expect(warned.status).toBe(200);
    expect(warned.headers.get("X-Warning")).toMatch(/X-Tenant-ID is not a UUID v4/);
  });

  it("answers a fault of ours with a plain 500 that leaks nothing, and logs the stack", async () => {
    const { app, logs } = await buildTestApp({
      transcriber: {
        provider: "deepgram",
        model: "nova-3",
        configured: true,
        transcribe: () => Promise.reject(new Error("db password is hunter2")),
      },
    });
    const response = await postUpload(app, uploadForm(await fixture("audio/speech.wav")));
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).not.toContain("hunter2");
    expect(JSON.parse(body)).toMatchObject({ code: "internal", detail: "The request could not be completed." });
    expect(logs.lines.find((line) => line.msg === "request failed")).toMatchObject({
      level: "error",
      err: { message: "db password is hunter2" },
    });
  });

  it("logs a client that hangs up mid-processing as such, not as a fault of ours", async () => {
    const hungUp = new AbortController();
    const { app, logs } = await buildTestApp({
      transcriber: {
        provider: "deepgram",
        model: "nova-3",
        configured: true,
        transcribe: (_audio, { signal }) =>
          new Promise((_, reject) => {
            signal?.addEventListener("abort", () =>
              reject(new DOMException("The operation was aborted", "AbortError")),
            );
            hungUp.abort();
          }),
      },
    });
    const wav = await fixture("audio/speech.wav");
    await Promise.resolve(
      app.request("/batch/process", { method: "POST", body: uploadForm(wav), signal: hungUp.signal }),
    ).catch(() => undefined);
    await vi.waitFor(
      () =>
        expect(logs.lines.find((line) => line.msg === "client went away before the answer")).toMatchObject({
          level: "info",
        }),
      { timeout: 10_000 },
    );
    expect(logs.lines.filter((line) => line.level === "error")).toEqual([]);
  });

  it("refuses uploads past MAX_CONCURRENT_REQUESTS with 503 and Retry-After, and takes them again after", async () => {
    const held = gate();
    const inFlight = createInFlightRequests();
    const { app } = await buildTestApp({
      inFlight,
      maxConcurrentRequests: 1,
      transcriber: {
        provider: "deepgram",
        model: "nova-3",
        configured: true,
        transcribe: async () => {
          await held.opened;
          return { transcript: "held", provider: "deepgram", model: "nova-3", durationS: null, requestId: null };
        },
      },
    });
    const wav = await fixture("audio/speech.wav");
    const first = Promise.resolve(postUpload(app, uploadForm(wav)));
    await vi.waitFor(() => expect(inFlight.size).toBe(1), { timeout: 10_000 });
    const refused = await postUpload(app, uploadForm("hello"));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("Retry-After")).toBe("5");
    expect(await refused.json()).toMatchObject({ code: "too_busy", retry_after_s: 5 });
    held.open();
    expect((await first).status).toBe(200);
    expect((await postUpload(app, uploadForm("hello"))).status).toBe(200);
  });
});
