import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { parseCaptions } from "../../app/captions/captions-parser.js";
import { createRulesCleaner } from "../../app/cleaning/rules-cleaner.js";
import { DEFAULT_SUBTITLE_LAYOUT } from "../../app/subtitles/subtitle-cues.js";
import { subtitlesOf } from "../../app/subtitles/subtitle-files.js";
import { createTextWorkerPool, inlineTextWork } from "../../app/text-work/text-work.js";
import { captureLogger } from "../support/capture-logger.js";
import { listenResponse } from "../support/fake-deepgram.js";
import { defaultOptions } from "../support/option-policies.js";
import { readProviderAnswer } from "../../app/transcription/provider-answer.js";
import { readAnswer } from "../../app/text-work/text-worker.js";

describe("the text worker pool", () => {
  it("logs a worker that fails at startup instead of taking the process down", async () => {
    const logs = captureLogger();
    createTextWorkerPool(logs.logger, {
      filename: pathToFileURL(join(tmpdir(), "no-such-text-worker.mjs")).href,
      execArgv: [],
    });
    await expect
      .poll(() => logs.lines.find((line) => line.msg === "a text worker failed outside any task"), { timeout: 10_000 })
      .toMatchObject({ level: "error" });
  });
});

describe("the text worker pool's answers cross the thread boundary whole", () => {
  const pool = createTextWorkerPool(captureLogger().logger);
  const inline = inlineTextWork();
  const vtt = [
    "WEBVTT",
    "",
    ...Array.from({ length: 12_345 }, (_, index) => [
      `00:${String(Math.floor(index / 600) % 60).padStart(2, "0")}:${String(Math.floor(index / 10) % 60).padStart(2, "0")}.${String((index % 10) * 100).padStart(3, "0")} --> 01:00:00.000`,
      index % 3 === 0 ? `<v Ana Lúcia>um, olá ${index} 😀` : `sem voz ${index}`,
      "",
    ]).flat(),
  ].join("\n");
  const task = {
    source: { contents: new TextEncoder().encode(vtt) },
    format: "vtt" as const,
    encoding: "utf-8" as const,
  };

  it("imports captions with every utterance, as the parser read them", async () => {
    const pooled = await pool.importCaptions(task);
    expect(pooled.ok && pooled.captions.utterances).toHaveLength(12_345);
    expect(pooled).toEqual({ ok: true, captions: parseCaptions(vtt, "vtt") });
    expect(await inline.importCaptions(task)).toEqual(pooled);
  });

  it("writes a captions import's subtitles from its utterances, as they are written on the calling thread", async () => {
    const utterances = parseCaptions(vtt, "vtt").utterances ?? [];
    const transcript = { source: "captions" as const, utterances, language: "pt" };
    const subtitles = { transcript, format: "vtt" as const, layout: DEFAULT_SUBTITLE_LAYOUT };
    const pooled = await pool.renderSubtitles(subtitles);
    expect(pooled).toEqual({ ok: true, text: subtitlesOf(transcript, DEFAULT_SUBTITLE_LAYOUT, "vtt") });
    expect(pooled.ok && pooled.text).toContain("<v Ana Lúcia>Um, olá 0 😀");
    expect(await inline.renderSubtitles(subtitles)).toEqual(pooled);
  });
});

describe("a provider's answer read on the text worker pool", () => {
  const pool = createTextWorkerPool(captureLogger().logger);
  const asked = defaultOptions({ provider: "deepgram", model: "nova-3" });
  const spoken = Array.from({ length: 25_000 }, (_, index) => (index % 7 === 0 ? "Olá," : `w${index}`)).join(" ");
  const answer = JSON.stringify({
    ...listenResponse(spoken, "req-9"),
    results: {
      ...listenResponse(spoken, "req-9").results,
      utterances: Array.from({ length: 12_000 }, (_, index) => ({
        start: index,
        end: index + 1,
        transcript: `turn ${index} 😀`,
        speaker: index % 3,
      })),
    },
  });
  const encoded = new TextEncoder().encode(answer);
  const chunksOf = () =>
    Array.from({ length: Math.ceil(encoded.length / 65_536) }, (_, index) =>
      encoded.slice(index * 65_536, (index + 1) * 65_536),
    );

  it("gives the transcription read on the calling thread, words and turns past a slice", async () => {
    const here = readProviderAnswer({ provider: "deepgram", chunks: chunksOf() }, asked);
    expect(here?.words).toHaveLength(25_000);
    expect(here?.utterances).toHaveLength(12_000);
    expect(await pool.readAnswer({ provider: "deepgram", chunks: chunksOf() }, asked)).toEqual(here);
  });

  it("moves chunks that fill their buffers to the worker, and copies one that is a view into a larger buffer", async () => {
    const chunks = chunksOf();
    const shared = new Uint8Array(chunks.at(-1)!.length + 10);
    shared.set(chunks.at(-1)!, 10);
    const view = shared.subarray(10);
    const read = await pool.readAnswer({ provider: "deepgram", chunks: [...chunks.slice(0, -1), view] }, asked);
    expect(read?.requestId).toBe("req-9");
    expect(chunks.slice(0, -1).every((chunk) => chunk.byteLength === 0)).toBe(true);
    expect(view.byteLength).toBeGreaterThan(0);
  });

  it("reads a small answer where it arrives, its bytes not moved, as the calling thread reads it", async () => {
    const small = [new TextEncoder().encode(JSON.stringify(listenResponse("So we ship.", "req-small")))];
    const read = await pool.readAnswer({ provider: "deepgram", chunks: small }, asked);
    expect(read).toEqual(readProviderAnswer({ provider: "deepgram", chunks: small }, asked));
    expect(read?.requestId).toBe("req-small");
    expect(small[0]!.byteLength).toBeGreaterThan(0);
  });

  it("reads an answer that is not Deepgram's as none", async () => {
    const chunks = [new TextEncoder().encode('{"metadata":{},"results":{"channels":[]}}')];
    await expect(pool.readAnswer({ provider: "deepgram", chunks }, asked)).resolves.toBeUndefined();
  });
});

describe("the text worker's reading of an answer", () => {
  const asked = defaultOptions({ provider: "deepgram", model: "nova-3" });

  it("lets go of its copy of the chunks before it parses them, and reads what the calling thread reads", async () => {
    const answer = JSON.stringify(listenResponse("So we ship on Friday.", "req-own"));
    const encoded = new TextEncoder().encode(answer);
    const task = {
      answer: { provider: "deepgram" as const, chunks: [encoded.slice(0, 40), encoded.slice(40)] },
      asked,
    };
    const packed = await readAnswer(task);
    expect(task.answer.chunks).toEqual([]);
    expect(packed?.requestId).toBe("req-own");
    expect(packed?.transcript).toBe(readProviderAnswer({ provider: "deepgram", chunks: [encoded] }, asked)?.transcript);
  });

  it("reads an answer that is not JSON as none", async () => {
    const chunks = [new TextEncoder().encode('{"metadata": ')];
    expect(await readAnswer({ answer: { provider: "deepgram", chunks }, asked })).toBeUndefined();
  });
});

describe("text work stops when its request does", () => {
  const logs = captureLogger();
  const pool = createTextWorkerPool(logs.logger);
  /** A WebVTT file of about 8 MiB: a parse long enough to be stopped in the middle. */
  const large = new TextEncoder().encode(
    `WEBVTT\n\n${"00:00.000 --> 00:01.000\nAlice: we ship on Friday.\n\n".repeat(170_000)}`,
  );
  const small = new TextEncoder().encode("WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n");
  const task = (contents: Uint8Array) => ({ source: { contents }, format: "vtt" as const, encoding: "utf-8" as const });

  it("rejects a pooled import whose signal aborts while it runs, and the pool goes on with the next", async () => {
    const stop = new AbortController();
    const running = pool.importCaptions(task(large), stop.signal);
    stop.abort();
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    const next = await pool.importCaptions(task(small));
    expect(next.ok && next.captions.transcript).toBe("hello");
    // The thread ended for the abort is not a failure of the pool.
    expect(logs.lines.filter((line) => line.level === "error")).toEqual([]);
  });

  it("does not start work whose signal has already aborted, on the pool or on the calling thread", async () => {
    const gone = AbortSignal.abort();
    await expect(
      pool.subtitlesOfJson({ source: { contents: small }, format: "srt", layout: DEFAULT_SUBTITLE_LAYOUT }, gone),
    ).rejects.toMatchObject({ name: "AbortError" });
    await expect(inlineTextWork().importCaptions(task(small), gone)).rejects.toMatchObject({ name: "AbortError" });
    await expect(pool.cleanWithRules({ text: "um, hello", language: null }, gone)).rejects.toMatchObject({
      name: "AbortError",
    });
    await expect(inlineTextWork().cleanWithRules({ text: "um, hello", language: null }, gone)).rejects.toMatchObject({
      name: "AbortError",
    });
  });

  it("stops a pooled cleaning whose signal aborts while it runs, and cleans the next", async () => {
    const stop = new AbortController();
    const running = pool.cleanWithRules(
      { text: "Alice: um, we ship on Friday, you know.\n".repeat(400_000), language: null },
      stop.signal,
    );
    stop.abort();
    await expect(running).rejects.toMatchObject({ name: "AbortError" });
    expect(await pool.cleanWithRules({ text: "um, hello", language: null })).toBe("Hello");
    // The transcript's speakers reach the worker: with none, a colon is speech.
    expect(await pool.cleanWithRules({ text: "the list: um apples", language: "en", speakers: [] })).toBe(
      "The list: apples",
    );
    expect(logs.lines.filter((line) => line.level === "error")).toEqual([]);
  });

  it("hands the rules cleaner's signal to where its work runs", async () => {
    const seen: Array<AbortSignal | undefined> = [];
    const cleaner = createRulesCleaner(({ text }, signal) => {
      seen.push(signal);
      return Promise.resolve(text);
    });
    const signal = new AbortController().signal;
    await cleaner.clean("hello", { log: logs.logger, signal });
    expect(seen).toEqual([signal]);
    await expect(
      createRulesCleaner().clean("um, hello", { log: logs.logger, signal: AbortSignal.abort() }),
    ).rejects.toMatchObject({
      name: "AbortError",
    });
  });
});
