import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { createOpenAiTranscriber } from "../../app/transcription/openai-transcriber.js";
import type { Transcription } from "../../app/transcription/transcriber.js";
import { createAudioTee } from "../../app/upload/audio-tee.js";
import { captureLogger } from "../support/capture-logger.js";
import { FAKE_OPENAI_KEY, startFakeOpenAi } from "../support/fake-openai.js";
import { defaultOptions, transcribeAsIs } from "../support/option-policies.js";
import { expectCutShortAttemptsToLetGoOfTheFile } from "../support/cut-short-attempts.js";
import { listsOpenFiles } from "../support/open-descriptors.js";
import { recordingReader } from "../support/recording-reader.js";

const audio = {
  path: fileURLToPath(new URL("../fixtures/audio/speech.mp3", import.meta.url)),
  bytes: 4725,
  mime: "audio/mpeg",
};
const fastRetry = { attempts: 3, initialDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 5_000 };

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
  /** A transcriber whose answers go to `reader`. */
  const readingWith = (reader: ReturnType<typeof recordingReader>) =>
    createOpenAiTranscriber({
      apiKey: FAKE_OPENAI_KEY,
      baseUrl: openai.baseUrl,
      model: "whisper-1",
      timeoutS: 5,
      retry: fastRetry,
      readAnswer: reader.readAnswer,
    });

  it("sends arriving audio as it comes, in a multipart part of unknown length, and the transcript is the same", async () => {
    const tee = createAudioTee();
    const bytes = await readFile(audio.path);
    tee.write(bytes.subarray(0, 1000));
    let result: Promise<Transcription> | undefined;
    tee.take(
      audio.mime,
      (arriving) =>
        (result = transcriber().transcribeArriving!(arriving, { log: logger, options: defaultOptions(transcriber()) })),
    );
    // The rest arrives after the request started.
    tee.write(bytes.subarray(1000));
    tee.end();
    await expect(result).resolves.toMatchObject({ transcript: "Hello from Whisper.", provider: "openai" });
    expect(openai.transcriptions).toEqual([expect.objectContaining({ filename: "audio.mp3", bytes: audio.bytes })]);
  });

  it("uploads the whole file with the model and a name Whisper can read the format from, asking for words and segments", async () => {
    await expect(transcribeAsIs(transcriber(), audio, logger)).resolves.toEqual({
      transcript: "Hello from Whisper.",
      provider: "openai",
      model: "whisper-1",
      durationS: 2.5,
      requestId: null,
      utterances: [{ speaker: null, start: 0, end: 2.5, text: "Hello from Whisper." }],
      words: [
        { word: "hello", punctuated_word: "Hello", start: 0, end: 2.5 / 3, confidence: null },
        { word: "from", punctuated_word: "from", start: 2.5 / 3, end: (2 * 2.5) / 3, confidence: null },
        { word: "whisper", punctuated_word: "Whisper.", start: (2 * 2.5) / 3, end: 2.5, confidence: null },
      ],
      confidence: null,
      // Nothing was asked, so the server's own detection is what the transcript is in.
      language: { code: "en", detected: true, confidence: null },
    });
    expect(openai.transcriptions).toEqual([
      {
        model: "whisper-1",
        filename: "audio.mp3",
        bytes: audio.bytes,
        fields: { response_format: "verbose_json", "timestamp_granularities[]": "word,segment" },
      },
    ]);
  });

  it("sends the language as ISO 639-1 and key terms as the prompt; reports the language asked for", async () => {
    const t = transcriber();
    const result = await t.transcribe(audio, {
      log: logger,
      options: { ...defaultOptions(t), language: "pt-BR", keyterm: ["Acme", "Zed Corp"] },
    });
    expect(openai.transcriptions[0]?.fields).toMatchObject({ language: "pt", prompt: "Key terms: Acme, Zed Corp." });
    expect(result.language).toEqual({ code: "pt-BR", detected: false, confidence: null });
  });

  it("reads a self-hosted server's language code and word probabilities", async () => {
    openai.script({
      body: {
        text: "Hola.",
        language: "es",
        words: [{ word: " Hola.", start: 0, end: 0.5, probability: 0.75 }],
      },
    });
    const result = await transcribeAsIs(transcriber(), audio, logger);
    expect(result.language).toEqual({ code: "es", detected: true, confidence: null });
    expect(result.words).toEqual([{ word: "hola", punctuated_word: "Hola.", start: 0, end: 0.5, confidence: 0.75 }]);
  });

  it("asks a gpt-4o model for the plain json it answers, with no utterances", async () => {
    const result = await transcribeAsIs(
      createOpenAiTranscriber({
        apiKey: FAKE_OPENAI_KEY,
        baseUrl: openai.baseUrl,
        model: "gpt-4o-transcribe",
        timeoutS: 5,
      }),
      audio,
      logger,
    );
    expect(result).toMatchObject({ transcript: "Hello from Whisper.", durationS: null });
    expect(result.utterances).toBeUndefined();
    expect(openai.transcriptions[0]?.fields).toEqual({ response_format: "json" });
  });

  it("reads `verbose_json` segments as utterances with timings, a whole transcript with no speakers", async () => {
    const server = await startFakeOpenAi({
      transcript: "So we ship on Friday? Yes, Friday.",
      segments: [
        { start: 0, end: 1.9, text: "So we ship on Friday?" },
        { start: 2, end: 3.4, text: "Yes, Friday." },
      ],
    });
    try {
      const result = await transcribeAsIs(
        createOpenAiTranscriber({
          apiKey: FAKE_OPENAI_KEY,
          baseUrl: server.baseUrl,
          model: "whisper-1",
          timeoutS: 5,
        }),
        audio,
        logger,
      );
      expect(result.transcript).toBe("So we ship on Friday? Yes, Friday.");
      expect(result.utterances).toEqual([
        { speaker: null, start: 0, end: 1.9, text: "So we ship on Friday?" },
        { speaker: null, start: 2, end: 3.4, text: "Yes, Friday." },
      ]);
    } finally {
      await server.close();
    }
  });

  it("reads a diarizing model's speakers: `Speaker A` for a bare id, names as they are, one line per turn", async () => {
    const server = await startFakeOpenAi({
      transcript: "So we ship on Friday? On Friday. Yes. Good.",
      segments: [
        { start: 0, end: 1.2, text: "So we ship on Friday?", speaker: "A" },
        { start: 1.2, end: 2, text: "On Friday.", speaker: "A" },
        { start: 2.1, end: 2.6, text: "Yes.", speaker: "agent" },
        { start: 2.7, end: 3, text: "Good.", speaker: "A" },
      ],
    });
    try {
      const diarizer = createOpenAiTranscriber({
        apiKey: FAKE_OPENAI_KEY,
        baseUrl: server.baseUrl,
        model: "gpt-4o-transcribe-diarize",
        timeoutS: 5,
      });
      const result = await transcribeAsIs(diarizer, audio, logger);
      expect(server.transcriptions[0]?.fields).toEqual({ response_format: "diarized_json", chunking_strategy: "auto" });
      expect(result.transcript).toBe("Speaker A: So we ship on Friday? On Friday.\nagent: Yes.\nSpeaker A: Good.");
      expect(result.utterances?.map((utterance) => utterance.speaker)).toEqual([
        "Speaker A",
        "Speaker A",
        "agent",
        "Speaker A",
      ]);
      expect(result.durationS).toBe(3);
    } finally {
      await server.close();
    }
  });

  it("keeps the text when a server's segments and duration come in a shape of its own", async () => {
    openai.script({
      body: { text: "Still here.", duration: "1.0", segments: [{ from: 0, to: 1, words: "Still here." }] },
    });
    await expect(transcribeAsIs(transcriber(), audio, logger)).resolves.toEqual({
      transcript: "Still here.",
      provider: "openai",
      model: "whisper-1",
      durationS: null,
      requestId: null,
      confidence: null,
      language: null,
    });
  });

  describe("a long answer's room in the text budget", () => {
    const longAnswer = { text: "we ship on friday ".repeat(8000).trim() };
    const transcribeWith = (textRoom: (bytes: number) => Promise<void>) => {
      const reader = recordingReader("openai");
      const t = readingWith(reader);
      return { reader, transcribed: t.transcribe(audio, { log: logger, options: defaultOptions(t), textRoom }) };
    };

    it("is taken before the answer is read, and kept to the answer's length", async () => {
      openai.script({ body: longAnswer });
      const rooms: number[] = [];
      const { reader, transcribed } = transcribeWith((bytes) => {
        expect(reader.answers).toHaveLength(0);
        return Promise.resolve(void rooms.push(bytes));
      });
      await transcribed;
      expect(reader.answers).toHaveLength(1);
      expect(rooms.at(-1)).toBe(reader.answers[0]!.bytes);
      expect(reader.answers[0]!.bytes).toBeGreaterThan(8000 * 18);
    });

    it("refused, fails the transcription with the refusal as it is, unread and not asked again", async () => {
      openai.script({ body: longAnswer });
      const busy = new Error("no room in time");
      const { reader, transcribed } = transcribeWith(() => Promise.reject(busy));
      await expect(transcribed).rejects.toBe(busy);
      expect(reader.answers).toHaveLength(0);
      expect(openai.transcriptions).toHaveLength(1);
    });
  });

  it("asks for the format set in config", async () => {
    const plain = createOpenAiTranscriber({
      apiKey: FAKE_OPENAI_KEY,
      baseUrl: openai.baseUrl,
      model: "whisper-1",
      format: "json",
      timeoutS: 5,
    });
    const result = await transcribeAsIs(plain, audio, logger);
    expect(openai.transcriptions[0]?.fields).toEqual({ response_format: "json" });
    expect(result.utterances).toBeUndefined();
  });

  it("does not retry a 401", async () => {
    await expect(transcribeAsIs(transcriber("sk-wrong"), audio, logger)).rejects.toMatchObject({
      code: "provider_failed",
      details: { provider_status: 401, attempts: 1 },
    });
  });

  it("retries a 429 honouring Retry-After, then a 500, resending the file each time", async () => {
    openai.script({ status: 429, headers: { "retry-after": "0.2" } }, { status: 500 });
    await expect(transcribeAsIs(transcriber(), audio, logger)).resolves.toMatchObject({
      transcript: "Hello from Whisper.",
    });
    expect(openai.transcriptions.map((request) => request.bytes)).toEqual([audio.bytes, audio.bytes, audio.bytes]);
  });

  it("retries an answer cut short in transit", async () => {
    openai.script({ truncate: true });
    await expect(transcribeAsIs(transcriber(), audio, logger)).resolves.toMatchObject({
      transcript: "Hello from Whisper.",
    });
    expect(openai.transcriptions).toHaveLength(2);
  });

  it("refuses an answer that is not shaped like a transcription, without another attempt", async () => {
    openai.script({ body: { words: "many" } });
    await expect(transcribeAsIs(transcriber(), audio, logger)).rejects.toMatchObject({
      code: "provider_failed",
      message: expect.stringMatching(/unexpected response/) as unknown,
    });
    expect(openai.transcriptions).toHaveLength(1);
  });

  it("refuses an answer longer than its limit as the recording's (413's too_large), without another attempt", async () => {
    openai.script({ body: { text: "word ".repeat(2000) } });
    const limited = createOpenAiTranscriber({
      apiKey: FAKE_OPENAI_KEY,
      baseUrl: openai.baseUrl,
      model: "whisper-1",
      timeoutS: 5,
      retry: fastRetry,
      maxAnswerBytes: 4096,
    });
    await expect(transcribeAsIs(limited, audio, logger)).rejects.toMatchObject({
      code: "too_large",
      details: { max_bytes: 4096 },
    });
    expect(openai.transcriptions).toHaveLength(1);
  });

  it("hands the answer's bytes to its reader, not to the SDK to parse, and returns what the reader read", async () => {
    const reader = recordingReader("openai");
    const withReader = readingWith(reader);
    await expect(transcribeAsIs(withReader, audio, logger)).resolves.toBe(reader.reading);
    expect(reader.answers).toHaveLength(1);
    expect(reader.answers[0]).toMatchObject({ provider: "openai", body: { text: "Hello from Whisper." } });
  });

  it.runIf(listsOpenFiles)(
    "lets go of the stored file after each attempt, even one cut off before it read all of it",
    () =>
      expectCutShortAttemptsToLetGoOfTheFile(
        (baseUrl) =>
          createOpenAiTranscriber({
            apiKey: FAKE_OPENAI_KEY,
            baseUrl: `${baseUrl}/v1`,
            model: "whisper-1",
            timeoutS: 5,
            retry: { ...fastRetry, attempts: 2 },
          }),
        "audio/mpeg",
        logger,
      ),
  );

  it("reports a timeout without retrying", async () => {
    openai.script({ delayMs: 1500 });
    await expect(transcribeAsIs(transcriber(FAKE_OPENAI_KEY, 1), audio, logger)).rejects.toMatchObject({
      code: "provider_timeout",
    });
    expect(openai.transcriptions).toHaveLength(1);
  });

  it.each([
    ["whisper-1", "auto", true],
    ["gpt-4o-transcribe", "auto", false],
    ["gpt-4o-mini-transcribe", "auto", false],
    ["gpt-4o-transcribe-diarize", "auto", true],
    ["whisper-1", "json", false],
    ["gpt-4o-transcribe", "verbose_json", true],
  ] as const)("says whether %s (format %s) answers timings: %s", (model, format, timed) => {
    const openAi = createOpenAiTranscriber({
      apiKey: FAKE_OPENAI_KEY,
      baseUrl: openai.baseUrl,
      model,
      format,
      timeoutS: 5,
    });
    expect(openAi.givesTimings?.({ ...defaultOptions(openAi), model })).toBe(timed);
  });
});
