import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createOpenAiTranscriber } from "../../app/transcription/openai-transcriber.js";
import { captureLogger } from "../support/capture-logger.js";
import { FAKE_OPENAI_KEY, startFakeOpenAi } from "../support/fake-openai.js";

const audio = { path: fileURLToPath(new URL("../fixtures/audio/speech.mp3", import.meta.url)), bytes: 4725, mime: "audio/mpeg" };
const fastRetry = { attempts: 3, minDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 5_000 };

describe("OpenAI-compatible transcriber, through the real SDK against a local server", () => {
  let openai: Awaited<ReturnType<typeof startFakeOpenAi>>;
  const { logger } = captureLogger();

  beforeAll(async () => {
    openai = await startFakeOpenAi({ transcript: "Hello from Whisper." });
  });
  afterAll(() => openai.close());
  beforeEach(() => {
    openai.transcriptions.length = 0;
  });

  const transcriber = (apiKey = FAKE_OPENAI_KEY, timeoutS = 5) =>
    createOpenAiTranscriber({ apiKey, baseUrl: openai.baseUrl, model: "whisper-1", timeoutS, retry: fastRetry });

  it("uploads the whole file with the model and a name Whisper can read the format from", async () => {
    await expect(transcriber().transcribe(audio, { log: logger })).resolves.toMatchObject({
      transcript: "Hello from Whisper.",
      provider: "openai",
      model: "whisper-1",
    });
    expect(openai.transcriptions).toEqual([{ model: "whisper-1", filename: "audio.mp3", bytes: audio.bytes }]);
  });

  it("does not retry a 401", async () => {
    await expect(transcriber("sk-wrong").transcribe(audio, { log: logger })).rejects.toMatchObject({
      code: "provider_failed",
      details: { provider_status: 401, attempts: 1 },
    });
  });

  it("retries a 429 honouring Retry-After, then a 500, resending the file each time", async () => {
    openai.script({ status: 429, headers: { "retry-after": "0.2" } }, { status: 500 });
    await expect(transcriber().transcribe(audio, { log: logger })).resolves.toMatchObject({ transcript: "Hello from Whisper." });
    expect(openai.transcriptions.map((request) => request.bytes)).toEqual([audio.bytes, audio.bytes, audio.bytes]);
  });

  it("reports a timeout without retrying", async () => {
    openai.script({ delayMs: 1500 });
    await expect(transcriber(FAKE_OPENAI_KEY, 1).transcribe(audio, { log: logger })).rejects.toMatchObject({ code: "provider_timeout" });
    expect(openai.transcriptions).toHaveLength(1);
  });
});
