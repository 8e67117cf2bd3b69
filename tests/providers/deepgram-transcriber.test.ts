import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createDeepgramTranscriber, type DeepgramOptions } from "../../app/transcription/deepgram-transcriber.js";
import { type Transcription } from "../../app/transcription/transcriber.js";
import { ProviderFailure } from "../../app/domain/failures.js";
import { createAudioTee } from "../../app/upload/audio-tee.js";
import { captureLogger } from "../support/capture-logger.js";
import { FAKE_DEEPGRAM_KEY, SPOKEN_TEXT, listenResponse, startFakeDeepgram } from "../support/fake-deepgram.js";
import { defaultOptions, transcribeAsIs } from "../support/option-policies.js";
import { drain, listenOnLoopback } from "../support/local-server.js";
import { recordingReader } from "../support/recording-reader.js";
import { gate } from "../support/gate.js";
import { expectCutShortAttemptsToLetGoOfTheFile } from "../support/cut-short-attempts.js";
import { listsOpenFiles } from "../support/open-descriptors.js";

const audio = {
  path: fileURLToPath(new URL("../fixtures/audio/speech.wav", import.meta.url)),
  bytes: 16614,
  mime: "audio/wav",
};
const fileDigest = async (path: string) =>
  createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
const fastRetry = { attempts: 3, initialDelayMs: 10, maxDelayMs: 50, maxRetryAfterMs: 5_000 };

describe("Deepgram transcriber, through the real SDK against a local Deepgram API", () => {
  let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
  const logs = captureLogger();

  beforeAll(async () => {
    deepgram = await startFakeDeepgram();
  });
  afterAll(() => deepgram.close());
  beforeEach(() => {
    deepgram.requests.length = 0;
    deepgram.arrivals.length = 0;
  });

  const transcriber = (options: Partial<DeepgramOptions> = {}) =>
    createDeepgramTranscriber({
      apiKey: FAKE_DEEPGRAM_KEY,
      baseUrl: deepgram.url,
      model: "nova-3",
      timeoutS: 5,
      retry: fastRetry,
      ...options,
    });
  const transcribe = (t = transcriber()) => transcribeAsIs(t, audio, logs.logger);

  it("streams the file and returns the transcript with its metadata", async () => {
    const result = await transcribe();
    expect(result).toMatchObject({ transcript: SPOKEN_TEXT, provider: "deepgram", model: "nova-3", durationS: 2.1 });
    expect(result.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const [request] = deepgram.requests;
    expect(request?.bytes).toBe(audio.bytes);
    expect(request?.authorization).toBe(`Token ${FAKE_DEEPGRAM_KEY}`);
    expect(Object.fromEntries(request?.query ?? [])).toMatchObject({
      model: "nova-3",
      smart_format: "true",
      punctuate: "true",
      diarize: "true",
      utterances: "true",
    });
  });

  it("sends arriving audio as it comes, and the stored file whole when the upload outran the provider", async () => {
    const tee = createAudioTee(64 * 1024);
    let result: Promise<Transcription> | undefined;
    tee.write(Buffer.alloc(16 * 1024));
    tee.take(
      "audio/wav",
      (arriving) =>
        (result = transcriber().transcribeArriving!(arriving, {
          log: logs.logger,
          options: defaultOptions(transcriber()),
        })),
    );
    await expect.poll(() => deepgram.arrivals[0]?.bytes ?? 0, { timeout: 15_000 }).toBeGreaterThan(0);
    // Then more than the tee's buffer arrives at once, faster than the provider request can read it.
    for (let i = 0; i < 8; i += 1) tee.write(Buffer.alloc(32 * 1024));
    tee.end();
    tee.stored({ path: () => Promise.resolve(audio.path), bytes: audio.bytes });
    await expect(result).resolves.toMatchObject({ transcript: SPOKEN_TEXT });
    // The cut-off attempt was aborted, not completed as a short file: the only transcribed request is the whole file.
    await expect.poll(() => deepgram.arrivals[0]?.state, { timeout: 15_000 }).toBe("aborted");
    expect(deepgram.requests.map(({ bytes, contentLength, sha256 }) => ({ bytes, contentLength, sha256 }))).toEqual([
      { bytes: audio.bytes, contentLength: String(audio.bytes), sha256: await fileDigest(audio.path) },
    ]);
    expect(logs.lines.filter((line) => line.msg === "transcription attempt failed").at(-1)).toMatchObject({
      attempt: 1,
      reason: "live upload cut off",
    });
  });

  it("reads two speakers as utterances with timings, and the transcript as one Speaker line per turn", async () => {
    deepgram.script({
      speakers: [
        { speaker: 0, text: "So we ship on Friday?" },
        { speaker: 1, text: "Yes, Friday." },
        { speaker: 0, text: "Good." },
      ],
    });
    const result = await transcribe();
    expect(result.transcript).toBe("Speaker 0: So we ship on Friday?\nSpeaker 1: Yes, Friday.\nSpeaker 0: Good.");
    expect(result.utterances).toEqual([
      { speaker: "Speaker 0", start: 0, end: 1.9, text: "So we ship on Friday?" },
      { speaker: "Speaker 1", start: 2, end: 3.9, text: "Yes, Friday." },
      { speaker: "Speaker 0", start: 4, end: 5.9, text: "Good." },
    ]);
  });

  it("sends each option exactly as asked, repeated ones repeated, and utterances as configured", async () => {
    const plain = transcriber({ utterances: false });
    const options = {
      model: "nova-3-medical",
      language: "es-419",
      detect_language: false,
      keyterm: ["Acme", "Zed Corp", "café"],
      redact: ["pci" as const, "numbers" as const],
      diarize: false,
      punctuate: false,
      smart_format: true,
    };
    const result = await plain.transcribe(audio, { log: logs.logger, options });
    const query = deepgram.requests.at(-1)!.query;
    expect(query.getAll("keyterm")).toEqual(["Acme", "Zed Corp", "café"]);
    expect(query.getAll("redact")).toEqual(["pci", "numbers"]);
    expect(query.has("detect_language")).toBe(false);
    expect(Object.fromEntries(query)).toMatchObject({
      model: "nova-3-medical",
      language: "es-419",
      diarize: "false",
      utterances: "false",
      smart_format: "true",
      punctuate: "false",
    });
    expect(result).toMatchObject({ model: "nova-3-medical", language: { code: "es-419", detected: false } });
  });

  it("asks for detection and answers the detected language with its confidence, and words with confidence", async () => {
    deepgram.script({ detectedLanguage: { code: "fr", confidence: 0.91 } });
    const t = transcriber();
    const result = await t.transcribe(audio, {
      log: logs.logger,
      options: { ...defaultOptions(t), detect_language: true },
    });
    expect(deepgram.requests.at(-1)!.query.get("detect_language")).toBe("true");
    expect(result.language).toEqual({ code: "fr", detected: true, confidence: 0.91 });
    expect(result.confidence).toBe(0.98);
    expect(result.words?.[0]).toEqual({
      word: "um",
      punctuated_word: "Um,",
      start: 0,
      end: 0.25,
      confidence: 0.98,
    });
    expect(result.words?.map((word) => word.punctuated_word).join(" ")).toBe(SPOKEN_TEXT);
  });

  it("does not retry a 401 and reports the provider's status", async () => {
    const error = await transcribe(transcriber({ apiKey: "wrong-key" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderFailure);
    expect(error).toMatchObject({ code: "provider_failed", details: { provider_status: 401, attempts: 1 } });
    expect(deepgram.requests).toHaveLength(1);
  });

  it("waits for Retry-After after a 429, reopening the file for the next attempt", async () => {
    deepgram.script({ status: 429, headers: { "retry-after": "1" } });
    const before = logs.lines.length;
    const result = await transcribe();
    expect(result.transcript).toBe(SPOKEN_TEXT);
    const scheduled = logs.lines.slice(before).filter((line) => line.msg === "transcription retry scheduled");
    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]!.wait_ms).toBeGreaterThanOrEqual(1_000);
    expect(deepgram.requests.map((r) => r.bytes)).toEqual([audio.bytes, audio.bytes]);
  });

  it("sends a stored file of many chunks whole on every attempt, each read afresh from disk", async () => {
    const directory = await mkdtemp(join(tmpdir(), "deepgram-file-"));
    try {
      const content = randomBytes(3 * 1024 * 1024 + 77);
      const path = join(directory, "meeting.wav");
      await writeFile(path, content);
      deepgram.script({ status: 500 });
      const result = await transcribeAsIs(
        transcriber(),
        { path, bytes: content.length, mime: "audio/wav" },
        logs.logger,
      );
      expect(result.transcript).toBe(SPOKEN_TEXT);
      const digest = createHash("sha256").update(content).digest("hex");
      expect(deepgram.requests.map(({ bytes, sha256 }) => ({ bytes, sha256 }))).toEqual([
        { bytes: content.length, sha256: digest },
        { bytes: content.length, sha256: digest },
      ]);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("retries a 500 then succeeds", async () => {
    deepgram.script({ status: 500 }, { status: 503 });
    await expect(transcribe()).resolves.toMatchObject({ transcript: SPOKEN_TEXT });
    expect(deepgram.requests).toHaveLength(3);
  });

  it("gives up after three attempts of 5xx", async () => {
    deepgram.script({ status: 502 }, { status: 502 }, { status: 502 });
    await expect(transcribe()).rejects.toMatchObject({
      code: "provider_failed",
      details: { provider_status: 502, attempts: 3 },
    });
    expect(deepgram.requests).toHaveLength(3);
  });

  it("retries a response cut short in transit", async () => {
    deepgram.script({ truncate: true });
    await expect(transcribe()).resolves.toMatchObject({ transcript: SPOKEN_TEXT });
    expect(deepgram.requests).toHaveLength(2);
  });

  it("reports a timeout when Deepgram is slower than DEEPGRAM_TIMEOUT_S", async () => {
    deepgram.script({ delayMs: 1500 });
    await expect(transcribe(transcriber({ timeoutS: 1 }))).rejects.toMatchObject({ code: "provider_timeout" });
    expect(deepgram.requests).toHaveLength(1);
  });

  it("refuses an answer that is not shaped like Deepgram's", async () => {
    deepgram.script({ body: { metadata: {}, results: { channels: [] } } });
    await expect(transcribe()).rejects.toMatchObject({
      code: "provider_failed",
      message: expect.stringMatching(/unexpected response/) as unknown,
    });
  });

  it("hands the answer's bytes to its reader, not to the SDK to parse, and returns what the reader read", async () => {
    const reader = recordingReader("deepgram");
    const withReader = transcriber({ readAnswer: reader.readAnswer });
    await expect(transcribeAsIs(withReader, audio, logs.logger)).resolves.toBe(reader.reading);
    expect(reader.answers).toHaveLength(1);
    expect(reader.answers[0]).toMatchObject({
      provider: "deepgram",
      body: { results: { channels: [{ alternatives: [{ transcript: SPOKEN_TEXT }] }] } },
    });
  });

  it("refuses an answer its reader could not read, without another attempt", async () => {
    const unread = transcriber({
      readAnswer: () => Promise.resolve(undefined),
    });
    await expect(transcribeAsIs(unread, audio, logs.logger)).rejects.toMatchObject({
      code: "provider_failed",
      message: expect.stringMatching(/unexpected response/) as unknown,
    });
    expect(deepgram.requests).toHaveLength(1);
  });

  describe("a long answer's room in the text budget", () => {
    /** A reader that notes when it reads, and the room taken, in one order. */
    const noting = (options: Partial<DeepgramOptions> = {}) => {
      const order: string[] = [];
      const reader = recordingReader("deepgram");
      const withReader = transcriber({
        readAnswer: (answer, asked) => {
          order.push("read");
          return reader.readAnswer(answer, asked);
        },
        ...options,
      });
      return { order, withReader, reader };
    };
    const transcribeWith = (t: ReturnType<typeof transcriber>, textRoom: (bytes: number) => Promise<void>) =>
      t.transcribe(audio, { log: logs.logger, options: defaultOptions(t), textRoom });

    /** The room asked for, in order, and where the answer was read among them. */
    const roomsOf = (order: string[]) =>
      order.filter((entry) => entry.startsWith("room ")).map((entry) => Number(entry.slice("room ".length)));

    it("is taken before an answer of unknown length is held, growing with it, then kept to its length", async () => {
      deepgram.script({ transcript: "we ship on friday ".repeat(8000) });
      const { order, withReader, reader } = noting();
      await transcribeWith(withReader, (bytes) => Promise.resolve(void order.push(`room ${bytes}`)));
      expect(order.at(-1)).toBe("read");
      expect(order.filter((entry) => entry === "read")).toHaveLength(1);
      const rooms = roomsOf(order);
      const { bytes } = reader.answers[0]!;
      expect(bytes).toBeGreaterThan(8000 * 18);
      // Asked ahead of the bytes (each ask past what had come), then what was asked past the end given back.
      expect(rooms.length).toBeGreaterThan(1);
      expect(Math.max(...rooms)).toBeGreaterThanOrEqual(bytes);
      expect(rooms.at(-1)).toBe(bytes);
    });

    it("is taken while the answer is still arriving, not once all of it has come", async () => {
      const answer = JSON.stringify(listenResponse("we ship on friday ".repeat(8000), "r-1"));
      const rest = gate();
      const halfway = await listenOnLoopback(async (request, response) => {
        await drain(request);
        response.writeHead(200, { "content-type": "application/json" });
        response.write(answer.slice(0, answer.length / 2));
        await rest.opened;
        response.end(answer.slice(answer.length / 2));
      });
      try {
        const { order, withReader } = noting({ baseUrl: halfway.url });
        const transcribed = transcribeWith(withReader, (bytes) => Promise.resolve(void order.push(`room ${bytes}`)));
        await expect.poll(() => roomsOf(order).length).toBeGreaterThan(0);
        expect(Math.max(...roomsOf(order))).toBeLessThan(Buffer.byteLength(answer));
        rest.open();
        await transcribed;
        expect(roomsOf(order).at(-1)).toBe(Buffer.byteLength(answer));
        expect(order.at(-1)).toBe("read");
      } finally {
        rest.open();
        await halfway.close();
      }
    });

    it("is taken for a sized answer's Content-Length once, before any of it is read", async () => {
      deepgram.script({ transcript: "we ship on friday ".repeat(8000), sized: true });
      const { order, withReader, reader } = noting();
      await transcribeWith(withReader, (bytes) => Promise.resolve(void order.push(`room ${bytes}`)));
      expect(order).toEqual([`room ${reader.answers[0]!.bytes}`, "read"]);
    });

    it("holds the answer unread until its room comes", async () => {
      deepgram.script({ transcript: "we ship on friday ".repeat(8000), sized: true });
      const { order, withReader } = noting();
      const room = gate();
      const transcribed = transcribeWith(withReader, (bytes) => {
        order.push(`room ${bytes}`);
        return room.opened;
      });
      await expect.poll(() => order).toHaveLength(1);
      await nextTurn();
      expect(order).toHaveLength(1);
      room.open();
      await transcribed;
      expect(order.at(-1)).toBe("read");
    });

    it("is not taken for a short recording's answer", async () => {
      const { order, withReader } = noting();
      await transcribeWith(withReader, (bytes) => Promise.resolve(void order.push(`room ${bytes}`)));
      expect(order).toEqual(["read"]);
    });

    it("refused, fails the transcription with the refusal as it is, unread and not asked again", async () => {
      deepgram.script({ transcript: "we ship on friday ".repeat(8000) });
      const { order, withReader } = noting();
      const busy = new Error("no room in time");
      await expect(transcribeWith(withReader, () => Promise.reject(busy))).rejects.toBe(busy);
      expect(order).toEqual([]);
      expect(deepgram.requests).toHaveLength(1);
    });
  });

  it("refuses an answer longer than its limit as the recording's (413's too_large), without another attempt", async () => {
    deepgram.script({ transcript: "word ".repeat(2000) });
    await expect(transcribe(transcriber({ maxAnswerBytes: 4096 }))).rejects.toMatchObject({
      code: "too_large",
      details: { max_bytes: 4096 },
      message: expect.stringMatching(/^Transcripts of one recording .* are limited to 4096 bytes\.$/) as unknown,
    });
    expect(deepgram.requests).toHaveLength(1);
  });

  it("refuses a long answer to a URL too", async () => {
    const audioServer = await listenOnLoopback((_request, response) => void response.end(Buffer.alloc(64)));
    try {
      deepgram.script({ transcript: "word ".repeat(2000) });
      const limited = transcriber({ maxAnswerBytes: 4096 });
      await expect(
        limited.transcribeUrl!(
          { url: `${audioServer.url}/a.wav`, bytes: 64, mime: "audio/wav" },
          { log: logs.logger, options: defaultOptions(limited) },
        ),
      ).rejects.toMatchObject({ code: "too_large" });
      expect(deepgram.requests).toHaveLength(1);
    } finally {
      await audioServer.close();
    }
  });

  it("sends a stored upload's URL as JSON, whole, and reads the transcript Deepgram made of it", async () => {
    const audioServer = await listenOnLoopback((_request, response) => {
      response.writeHead(200, { "Content-Type": "audio/wav" });
      response.end(Buffer.alloc(4096));
    });
    try {
      const url = `${audioServer.url}/upload.wav?X-Amz-Signature=abc`;
      const result = await transcriber().transcribeUrl!(
        { url, bytes: 4096, mime: "audio/wav" },
        { log: logs.logger, options: defaultOptions(transcriber()) },
      );
      expect(result).toMatchObject({ transcript: SPOKEN_TEXT, provider: "deepgram" });
      expect(deepgram.requests[0]).toMatchObject({
        fetchedUrl: url,
        fetchedStatus: 200,
        contentType: "application/json",
      });
      expect(deepgram.requests[0]?.contentLength).toBeDefined();
    } finally {
      await audioServer.close();
    }
  });

  it.runIf(listsOpenFiles)(
    "lets go of the stored file after each attempt, even one cut off before it read all of it",
    () =>
      expectCutShortAttemptsToLetGoOfTheFile(
        (baseUrl) => transcriber({ baseUrl, retry: { ...fastRetry, attempts: 2 } }),
        "audio/wav",
        logs.logger,
      ),
  );

  it("reports an unreachable Deepgram after retrying", async () => {
    const unreachable = transcriber({ baseUrl: "http://127.0.0.1:1", timeoutS: 2 });
    await expect(transcribeAsIs(unreachable, audio, logs.logger)).rejects.toMatchObject({
      code: "provider_failed",
      details: { provider: "deepgram", attempts: 3 },
    });
  });
});
