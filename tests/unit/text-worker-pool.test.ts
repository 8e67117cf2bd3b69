import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { parseCaptions } from "../../app/captions/captions-parser.js";
import { cuesOf, DEFAULT_SUBTITLE_LAYOUT } from "../../app/subtitles/subtitle-cues.js";
import { writeSubtitles } from "../../app/subtitles/subtitle-files.js";
import { createTextWorkerPool, inlineTextWork } from "../../app/text-work/text-work.js";
import { captureLogger } from "../support/capture-logger.js";

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
    expect(pooled).toEqual({ ok: true, text: writeSubtitles(cuesOf(transcript, DEFAULT_SUBTITLE_LAYOUT), "vtt") });
    expect(pooled.ok && pooled.text).toContain("<v Ana Lúcia>Um, olá 0 😀");
    expect(await inline.renderSubtitles(subtitles)).toEqual(pooled);
  });
});
