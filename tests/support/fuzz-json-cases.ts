import fc from "fast-check";
import { frameArb, identityArb, requestHead, type Frame, type FuzzCase } from "./fuzz-cases.js";

const CLEAN_FRAME: Frame = { version: "HTTP/1.1", host: "127.0.0.1", expect: undefined, targetSuffix: "" };

/** A speaker's name as an answer sent back may hold it: line breaks, arrows, markup, blanks or nothing. */
const speakerArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("Speaker 0", "Speaker 1", "Alice") },
  fc
    .array(fc.constantFrom("Ana", " ", "\n", "\r", "-", "--", ">", "<", "&", "00:00:01,000 --> 00:00:02,000"), {
      maxLength: 6,
    })
    .map((pieces) => pieces.join("")),
);

/** A word as an answer holds it (its times in any order, any text). */
const wordArb = fc.record(
  {
    word: fc.string(),
    punctuated_word: fc.string(),
    start: fc.double({ min: 0, max: 1e5, noNaN: true }),
    end: fc.double({ min: 0, max: 1e5, noNaN: true }),
    confidence: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
    speaker: speakerArb,
  },
  { requiredKeys: ["word", "punctuated_word", "start", "end", "confidence"] },
);

/** A word with any field of any type, or not a word at all. */
const oddWordArb = fc.oneof(
  fc.record(
    { word: fc.jsonValue(), start: fc.jsonValue(), end: fc.jsonValue(), speaker: fc.jsonValue() },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);

/** Something like an answer's JSON: its source, words or utterances and language, each well formed or not. */
export const answerArb = fc.record(
  {
    source: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom("audio", "captions") },
      fc.constantFrom("video", ""),
      fc.jsonValue(),
    ),
    words: fc.oneof(
      { weight: 6, arbitrary: fc.array(wordArb, { minLength: 1, maxLength: 30 }) },
      fc.array(fc.oneof(wordArb, oddWordArb), { maxLength: 5 }),
      fc.jsonValue(),
    ),
    utterances: fc.oneof(
      { weight: 3, arbitrary: fc.constant(undefined) },
      fc.array(
        fc.record({
          speaker: fc.option(speakerArb, { nil: null }),
          text: fc.string(),
          start: fc.double({ min: 0, max: 1e5, noNaN: true }),
          end: fc.double({ min: 0, max: 1e5, noNaN: true }),
        }),
        {
          maxLength: 10,
        },
      ),
      fc.jsonValue(),
    ),
    language: fc.oneof(
      {
        weight: 3,
        arbitrary: fc.record({
          code: fc.constantFrom("en", "es", "xx", ""),
          detected: fc.boolean(),
          confidence: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }),
        }),
      },
      fc.jsonValue(),
    ),
    raw_transcript: fc.string({ maxLength: 200 }),
  },
  { requiredKeys: ["source"] },
);

/** Bodies that are not JSON, or JSON a parser could choke on. */
const oddBodyArb = fc.oneof(
  fc.constantFrom(
    "",
    "{",
    "null",
    "[]",
    '{"words":',
    // Under the 64 KiB the fuzzed server takes, so they reach the parser.
    "[".repeat(60_000),
    "[".repeat(30_000) + "]".repeat(30_000),
    `${'{"source":'.repeat(5_000)}"audio"${"}".repeat(5_000)}`,
    `{"source":"audio","words":[${'{"word":"a","punctuated_word":"a","start":0,"end":1,"confidence":null},'.repeat(800)}{"word":"b","punctuated_word":"b.","start":1,"end":2,"confidence":0.5}]}`,
    `{"words":[{"word":"a","start":1e308,"end":-1e308}],"source":"audio"}`,
    "\u00ef\u00bb\u00bf{}",
  ),
  fc.string({ maxLength: 200 }),
);

/** `POST /batch/subtitles`: an answer's JSON sent back, or something else, with any layout query. */
export const subtitlesCaseArb: fc.Arbitrary<FuzzCase> = fc
  .record({
    body: fc.oneof({ weight: 8, arbitrary: answerArb.map((answer) => JSON.stringify(answer)) }, fc.json(), oddBodyArb),
    format: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom("", "?format=vtt", "?format=srt", "?format=vtt&max_lines=3") },
      fc.constantFrom("?format=ass", "?format=vtt&max_lines=0", "?max_line_chars=9999", "?format=srt&format=vtt"),
    ),
    type: fc.oneof(
      { weight: 6, arbitrary: fc.constant("application/json") },
      fc.constantFrom("text/plain", "application/json; charset=latin1", "APPLICATION/JSON", ""),
    ),
    // Mostly the headers a client sends, so most bodies reach the parser; now and then hostile ones.
    identity: fc.oneof({ weight: 4, arbitrary: fc.constant<Array<[string, string]>>([]) }, identityArb),
    frame: fc.oneof({ weight: 4, arbitrary: fc.constant<Frame>(CLEAN_FRAME) }, frameArb),
  })
  .map(({ body, format, type, identity, frame }) => {
    const bytes = Buffer.from(body, "utf8");
    const headers: Array<[string, string]> = [
      ...(type === "" ? [] : [["Content-Type", type] as [string, string]]),
      ["Content-Length", String(bytes.length)],
      ["Connection", "close"],
      ...identity,
    ];
    return { head: requestHead("POST", `/batch/subtitles${format}`, frame, headers), body: bytes, halfClose: false };
  });
