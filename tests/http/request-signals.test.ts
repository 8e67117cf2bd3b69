import { readFile } from "node:fs/promises";
import { setImmediate as nextTurn } from "node:timers/promises";
import { queryObjects } from "node:v8";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpenAiCleaner } from "../../app/cleaning/openai-cleaner.js";
import { createDeepgramTranscriber } from "../../app/transcription/deepgram-transcriber.js";
import { FAKE_DEEPGRAM_KEY, startFakeDeepgram } from "../support/fake-deepgram.js";
import { FAKE_OPENAI_KEY, startFakeOpenAi } from "../support/fake-openai.js";
import { buildTestApp, FIXTURES, postUpload, uploadForm } from "../support/test-app.js";

/**
 * Deepgram's SDK and OpenAI's leave a listener on the abort signal they are given, and Node holds an
 * `AbortSignal.any` that has a listener until it aborts: each audio request used to keep its signals, and
 * everything their listeners reach, for the life of the process.
 */
describe("a finished request leaves no abort signal behind", () => {
  let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
  let openai: Awaited<ReturnType<typeof startFakeOpenAi>>;
  beforeAll(async () => {
    [deepgram, openai] = await Promise.all([startFakeDeepgram(), startFakeOpenAi()]);
  });
  afterAll(async () => {
    await Promise.all([deepgram.close(), openai.close()]);
  });

  it("as many abort signals are alive after 40 audio requests (Deepgram, then OpenAI's cleaning) as before", async () => {
    const { app } = await buildTestApp({
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
    const audio = await readFile(new URL("audio/speech.ogg", FIXTURES));
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
    for (let request = 0; request < 40; request++) await post();
    await nextTurn();
    expect(queryObjects(AbortSignal, { format: "count" }) - before).toBeLessThan(20);
  });
});
