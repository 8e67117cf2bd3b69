import { readFile } from "node:fs/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCaptions } from "../../app/captions/captions-parser.js";
import { MAX_MEDIA_TIME_S } from "../../app/domain/transcript.js";
import { parseVtt } from "../support/subtitle-parsers.js";

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

  it.each([
    ["SRT", "srt", "1\n00:00:01,000 --> 00:00:02,000\nHello\n2\n00:00:02,000 --> 00:00:03,000\nWorld\n"],
    ["WebVTT", "vtt", "WEBVTT\n\n00:01.000 --> 00:02.000\nHello\n00:02.000 --> 00:03.000\nWorld\n"],
  ] as const)("starts a cue at a timing line with no blank line before it (%s)", (_name, format, text) => {
    expect(parseCaptions(text, format).utterances).toEqual([
      { speaker: null, start: 1, end: 2, text: "Hello" },
      { speaker: null, start: 2, end: 3, text: "World" },
    ]);
  });

  it("keeps a WebVTT cue id's line as text when no blank line ends the cue before it, as WebVTT parsers do", () => {
    const vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nHello\n2\n00:02.000 --> 00:03.000\nWorld\n";
    expect(parseCaptions(vtt, "vtt").transcript).toBe("Hello 2\nWorld");
    expect(parseVtt(vtt).cues.map((cue) => cue.text)).toEqual(["Hello\n2", "World"]);
  });

  it.each([
    ["It&#39;s &#x2019;ok&#X2019; &#8212; fine", "It's ’ok’ — fine"],
    ["&#128512; and &#x1F600;", "😀 and 😀"],
    [
      "kept: &#; &#x; &#0; &#xD800; &#1114112; &#12345678; &#39 &#x27",
      "kept: &#; &#x; &#0; &#xD800; &#1114112; &#12345678; &#39 &#x27",
    ],
  ])("decodes numeric character references as WebVTT does: %j", (payload, text) => {
    expect(parseCaptions(`WEBVTT\n\n00:01.000 --> 00:02.000\n${payload}\n`, "vtt").transcript).toBe(text);
  });

  it.each([
    ["<ruby>漢<rt>kan</rt></ruby>字 ok", "漢字 ok"],
    ["<ruby>漢<rt.small>kan</rt>字<rt>ji</rt></ruby> ok", "漢字 ok"],
    ["<ruby>漢<rt>kan</ruby> then more", "漢 then more"],
    ["<ruby>漢<rt>kan to the end", "漢"],
    ["<rtx>kept</rtx> <rt>a</rt><rt>b</rt>c", "kept c"],
  ])("leaves out the readings of WebVTT ruby text: %j", (payload, text) => {
    expect(parseCaptions(`WEBVTT\n\n00:01.000 --> 00:02.000\n${payload}\n`, "vtt").transcript).toBe(text);
  });

  it.each([
    ["meeting.vtt", "vtt"],
    ["meeting.srt", "srt"],
  ] as const)("reads %s the same whether its lines end in LF, CRLF or a lone CR", async (name, format) => {
    const text = await fixture(name);
    const withLf = parseCaptions(text, format);
    expect(withLf.utterances?.length).toBeGreaterThan(1);
    for (const ending of ["\r\n", "\r"]) expect(parseCaptions(text.replaceAll("\n", ending), format)).toEqual(withLf);
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
  it("drops a cue whose timing is not a time: minutes or seconds past 59, or past 100,000 hours (hundreds of digits read as Infinity)", () => {
    const cue = (timing: string, text: string) => `${timing}\n${text}\n\n`;
    const vtt = [
      "WEBVTT\n\n",
      cue("00:00:01.000 --> 00:00:02.000", "kept first"),
      cue("99:99:99.999 --> 00:00.000", "minutes past 59"),
      cue("00:75.000 --> 00:76.000", "short form, minutes past 59"),
      cue("00:00:60.000 --> 00:01:00.000", "seconds past 59"),
      cue(`${"9".repeat(400)}:00:00.000 --> ${"9".repeat(400)}:00:01.000`, "Infinity hours"),
      cue("100001:00:00.000 --> 100001:00:01.000", "past the limit"),
      cue("100000:00:00.000 --> 100000:00:00.000", "at the limit"),
    ].join("");
    for (const format of ["vtt", "srt"] as const) {
      const parsed = parseCaptions(format === "vtt" ? vtt : vtt.replace("WEBVTT\n\n", "").replaceAll(".", ","), format);
      expect(parsed.transcript).toBe("kept first\nat the limit");
      expect(parsed.utterances).toEqual([
        { speaker: null, start: 1, end: 2, text: "kept first" },
        { speaker: null, start: MAX_MEDIA_TIME_S, end: MAX_MEDIA_TIME_S, text: "at the limit" },
      ]);
      expect(parsed.durationS).toBe(MAX_MEDIA_TIME_S);
    }
  });

  it("reads a cue that ends before it starts as ending where it starts, its text kept", () => {
    const parsed = parseCaptions("WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nBackwards.\n", "vtt");
    expect(parsed.utterances).toEqual([{ speaker: null, start: 5, end: 5, text: "Backwards." }]);
    expect(parsed.durationS).toBe(5);
  });

  it("gives utterances that start at 0 or later and end no sooner, within the limit, whatever the timing lines hold (property)", () => {
    // Mostly well-formed clocks, with hours of up to 400 digits and minutes and seconds up to 99.
    const number = (length: number) => fc.stringMatching(new RegExp(`^\\d{${length}}$`));
    const hours = fc.oneof(
      number(2),
      fc.integer({ min: 1, max: 400 }).chain((length) => number(length)),
    );
    const timestamp = fc
      .tuple(fc.option(hours, { nil: undefined }), number(2), number(2), number(3), fc.constantFrom(".", ","))
      .map(([h, m, s, f, mark]) => `${h === undefined ? "" : `${h}:`}${m}:${s}${mark}${f}`);
    const block = fc
      .tuple(timestamp, timestamp, fc.constantFrom("-->", " --> ", "->"))
      .map(([start, end, arrow]) => `${start}${arrow}${end}\nsaid\n\n`);
    fc.assert(
      fc.property(
        fc.array(block, { maxLength: 12 }),
        fc.constantFrom<"vtt" | "srt">("vtt", "srt"),
        (blocks, format) => {
          const parsed = parseCaptions(`WEBVTT\n\n${blocks.join("")}`, format);
          for (const { start, end } of parsed.utterances ?? []) {
            expect(Number.isFinite(start) && Number.isFinite(end)).toBe(true);
            expect(0 <= start && start <= end && end <= MAX_MEDIA_TIME_S).toBe(true);
          }
          const ends = (parsed.utterances ?? []).map((utterance) => utterance.end);
          expect(parsed.durationS).toBe(ends.length === 0 ? null : Math.max(...ends));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
