import { readFile } from "node:fs/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCaptions } from "../../app/captions/captions-parser.js";

const fixture = (name: string) => readFile(new URL(`../fixtures/captions/${name}`, import.meta.url), "utf8");

describe("parseCaptions", () => {
  it("keeps WebVTT cue text and speakers, dropping header, notes, cue ids, timings, settings and markup", async () => {
    const { transcript, durationS } = parseCaptions(await fixture("meeting.vtt"), "vtt");
    expect(transcript).toBe(
      [
        "Alice: Um, so I I think we should, uh, ship the release on Friday.",
        "Bob: hmm, okay. i agree, but the docs need an update first.",
        "Alice: Right. Let's, um, let's do that tomorrow.",
      ].join("\n"),
    );
    expect(durationS).toBe(10);
  });

  it("keeps SRT cue text, joining a cue's lines and dropping numbers and tags", async () => {
    const { transcript, durationS } = parseCaptions(await fixture("meeting.srt"), "srt");
    expect(transcript).toBe(
      "Um, so I I think we should, uh, ship the release on Friday.\nhmm, okay. i agree, but the docs need an update first.",
    );
    expect(durationS).toBeCloseTo(7.9);
  });

  it("gives each timed cue as an utterance: its WebVTT voice, its times, its text", () => {
    const vtt =
      "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\n<v Alice>We ship on Friday.\n\n00:00:03.000 --> 00:00:04.000\n<v.loud Bob>Agreed.</v>\n\n00:00:05.000 --> 00:00:06.000\nNo voice here.\n";
    expect(parseCaptions(vtt, "vtt").utterances).toEqual([
      { speaker: "Alice", start: 1, end: 2.5, text: "We ship on Friday." },
      { speaker: "Bob", start: 3, end: 4, text: "Agreed." },
      { speaker: null, start: 5, end: 6, text: "No voice here." },
    ]);
  });

  it("handles CRLF line endings, a BOM, entities, hour-less timings and empty cues", () => {
    const vtt =
      "\uFEFFWEBVTT\r\n\r\n00:01.000 --> 00:02.500\r\nFish &amp; chips &lt;3\r\n\r\n00:03.000 --> 01:00:04.000\r\n<i></i>\r\n";
    expect(parseCaptions(vtt, "vtt")).toEqual({
      transcript: "Fish & chips <3",
      durationS: 3604,
      utterances: [{ speaker: null, start: 1, end: 2.5, text: "Fish & chips <3" }],
    });
  });

  it("reads plain text as its non-blank lines (LF, CRLF or a lone CR), spaces collapsed", () => {
    const parts = fc.array(fc.constantFrom("a", "Bob: hi", " ", "\t", "\r", "\n", "\r\n", "\uFEFF"), { maxLength: 40 });
    fc.assert(
      fc.property(parts, (pieces) => {
        const text = pieces.join("");
        const expected = text
          .replace(/^\uFEFF/, "")
          .split(/\r\n|\r|\n/)
          .map((line) => line.replace(/\s+/g, " ").trim())
          .filter((line) => line !== "")
          .join("\n");
        expect(parseCaptions(text, "text").transcript).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it("reads plain text line by line, collapsing spaces", () => {
    expect(parseCaptions("  first   line \n\n\nsecond\tline\n", "text")).toEqual({
      transcript: "first line\nsecond line",
      durationS: null,
      utterances: null,
    });
  });
});
