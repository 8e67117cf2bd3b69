import fc from "fast-check";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { MAX_MEDIA_TIME_S, TRANSCRIPT_SOURCES, Utterance, Word } from "../../app/domain/transcript.js";
import { TranscriptLanguage } from "../../app/domain/transcription-options.js";
import { answerArb } from "../support/fuzz-json-cases.js";
import { subtitlesOfJson } from "../../app/text-work/subtitles-of-json.js";
import { DEFAULT_SUBTITLE_LAYOUT } from "../../app/subtitles/subtitle-cues.js";

const render = (body: unknown, format: "vtt" | "srt" = "vtt") =>
  subtitlesOfJson({
    source: { contents: new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)) },
    format,
    layout: DEFAULT_SUBTITLE_LAYOUT,
  });

const word = (text: string, start: number, extra: Record<string, unknown> = {}) => ({
  word: text.toLowerCase(),
  punctuated_word: text,
  start,
  end: start + 0.4,
  confidence: 0.9,
  ...extra,
});

describe("subtitlesOfJson: a transcript answer sent back, read on the text worker", () => {
  it("writes the words of a whole answer as it came, its other fields ignored", async () => {
    const answer = {
      interaction_id: "x",
      raw_transcript: "Hello there.",
      source: "audio",
      words: [word("Hello", 0, { speaker: "Speaker 0", extra: [1, 2] }), word("there.", 0.5, { speaker: "Speaker 0" })],
      language: { code: "en", detected: false, confidence: null },
      event: { status: "published" },
    };
    expect(await render(answer)).toEqual({
      ok: true,
      text: "WEBVTT\n\n00:00:00.000 --> 00:00:00.900\n<v Speaker 0>Hello there.\n",
    });
    expect(await render(answer, "srt")).toEqual({
      ok: true,
      text: "1\n00:00:00,000 --> 00:00:00,900\nSpeaker 0: Hello there.\n",
    });
  });

  it("makes cues of utterances when there are no words, and a captions import's own cues cleaned", async () => {
    const utterances = [{ speaker: "Alice", start: 1, end: 2, text: "um we ship" }];
    expect(await render({ source: "audio", utterances })).toMatchObject({
      ok: true,
      text: expect.stringContaining("um we ship") as unknown,
    });
    expect(await render({ source: "captions", utterances })).toMatchObject({
      ok: true,
      text: expect.stringContaining("<v Alice>We ship") as unknown,
    });
  });

  it.each([
    ["not JSON", "{"],
    ["not UTF-8", "\u00ff"],
  ])("tells a body that is %s", async (_, body) => {
    const bytes = body === "\u00ff" ? new Uint8Array([0x7b, 0xff, 0x7d]) : new TextEncoder().encode(body);
    expect(
      await subtitlesOfJson({ source: { contents: bytes }, format: "vtt", layout: DEFAULT_SUBTITLE_LAYOUT }),
    ).toEqual({
      ok: false,
      reason: "json",
    });
  });

  it.each([
    [7, "(body)"],
    [null, "(body)"],
    [[], "(body)"],
    [[{ source: "audio", words: [] }], "(body)"],
    [{ words: [] }, "source"],
    [{ source: "video" }, "source"],
    [{ source: "audio", words: "many" }, "words"],
    [{ source: "audio", words: [word("a", 0), 7] }, "words.1"],
    [{ source: "audio", words: [word("a", 0), word("b", 1), { ...word("c", 2), start: "2" }] }, "words.2.start"],
    [{ source: "audio", words: [{ ...word("a", 0), speaker: 3 }] }, "words.0.speaker"],
    [
      { source: "audio", words: [word("a", 0)], utterances: [{ speaker: null, start: 0, end: 1 }] },
      "utterances.0.text",
    ],
    [{ source: "audio", words: [word("a", 0)], language: { code: 5 } }, "language.code"],
    [{ source: "audio", words: [word("a", -0.5)] }, "words.0.start"],
    [{ source: "audio", words: [word("a", 0), { ...word("b", 1), end: MAX_MEDIA_TIME_S + 1 }] }, "words.1.end"],
    [`{"source":"captions","utterances":[{"speaker":null,"start":0,"end":1e400,"text":"a"}]}`, "utterances.0.end"],
  ])("names the first field that is not what an answer holds: %j → %s", async (body, field) => {
    expect(await render(body)).toEqual({ ok: false, reason: "shape", field });
  });

  it("names the first wrong field in the answer's order, a list's items before a later field", async () => {
    expect(await render({ source: "audio", words: [7], language: { code: 5 } })).toEqual({
      ok: false,
      reason: "shape",
      field: "words.0",
    });
    expect(await render({ source: "video", words: [7] })).toEqual({ ok: false, reason: "shape", field: "source" });
    expect(
      await render({ source: "audio", words: [word("a", 0)], utterances: [{ start: 0 }], language: { code: 5 } }),
    ).toEqual({ ok: false, reason: "shape", field: "utterances.0.speaker" });
  });

  it("refuses exactly what the whole answer's schema refuses, naming the same field (property)", async () => {
    // The lists are checked an item at a time to keep no copy of them; the verdict must be the plain schema's.
    // A time is not before the start, nor past the limit (a JSON 1e400 reads as Infinity).
    const time = v.pipe(v.number(), v.minValue(0), v.maxValue(MAX_MEDIA_TIME_S));
    const WholeAnswer = v.object({
      source: v.picklist(TRANSCRIPT_SOURCES),
      words: v.optional(v.array(v.object({ ...Word.entries, start: time, end: time }))),
      utterances: v.optional(v.array(v.object({ ...Utterance.entries, start: time, end: time }))),
      language: v.optional(v.nullable(TranscriptLanguage), null),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof({ weight: 4, arbitrary: answerArb }, fc.jsonValue()), async (generated) => {
        const body = JSON.stringify(generated);
        const answer = JSON.parse(body) as unknown;
        const rendered = await render(body);
        const whole = v.safeParse(WholeAnswer, answer);
        if (Array.isArray(answer) || !whole.success) {
          const field = Array.isArray(answer) ? "(body)" : (v.getDotPath(whole.issues![0]) ?? "(body)");
          expect(rendered).toEqual({ ok: false, reason: "shape", field });
        } else {
          expect(rendered).not.toMatchObject({ reason: "shape" });
        }
      }),
      { numRuns: 400 },
    );
  });

  it("tells a transcript without timings", async () => {
    expect(await render({ source: "audio", raw_transcript: "no timings" })).toEqual({ ok: false, reason: "timings" });
    expect(await render({ source: "audio", words: [], utterances: [] })).toEqual({ ok: false, reason: "timings" });
  });

  it("writes a file without cues for a captions import whose cues are all fillers: it has timings", async () => {
    const utterances = [
      { speaker: null, start: 0, end: 1, text: "Um." },
      { speaker: "Ana", start: 1, end: 2, text: "uh, hmm" },
    ];
    expect(await render({ source: "captions", utterances })).toEqual({ ok: true, text: "WEBVTT\n\n" });
    expect(await render({ source: "captions", utterances }, "srt")).toEqual({ ok: true, text: "" });
  });
});
