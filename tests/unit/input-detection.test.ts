import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { captionsFormatOf, detectInput } from "../../app/upload/input-detection.js";

const fixture = (path: string) => fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url));

async function fileWith(content: Uint8Array | string): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), "detect-")), "upload");
  await writeFile(path, content);
  return path;
}

describe("detectInput", () => {
  it.each([
    ["speech.wav", "audio/wav"],
    ["speech.mp3", "audio/mpeg"],
    ["speech.flac", "audio/flac"],
    ["speech.ogg", "audio/ogg; codecs=opus"],
    ["speech.webm", "video/webm"],
    ["speech.m4a", "audio/x-m4a"],
    ["speech.aac", "audio/aac"],
    ["speech.aiff", "audio/aiff"],
    ["speech.amr", "audio/amr"],
  ])("recognises the real recording %s as audio (%s)", async (name, mime) => {
    expect(await detectInput(fixture(`audio/${name}`))).toMatchObject({ kind: "audio", mime });
  });

  it.each([
    ["meeting.vtt", "vtt"],
    ["meeting.srt", "srt"],
    ["notes.txt", "text"],
  ])("recognises %s as %s captions", async (name, format) => {
    expect(await detectInput(fixture(`captions/${name}`))).toEqual({ kind: "captions", format, encoding: "utf-8" });
  });

  it("refuses a known non-audio format", async () => {
    const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex");
    expect(await detectInput(await fileWith(png))).toEqual({ kind: "unsupported", mime: "image/png" });
  });

  it("refuses binary data that is not UTF-8 text", async () => {
    expect(await detectInput(await fileWith(Buffer.from([0x80, 0x81, 0xc3, 0x28, 0x01, 0x02, 0x7f])))).toEqual({
      kind: "unsupported",
      mime: undefined,
    });
  });

  it("accepts UTF-8 text whose sample ends inside a multi-byte character", async () => {
    const text = "a".repeat(4095) + "é and more";
    expect(await detectInput(await fileWith(text))).toEqual({ kind: "captions", format: "text", encoding: "utf-8" });
  });

  const srt = "1\r\n00:00:01,000 --> 00:00:02,000\r\nHola, José\r\n";
  it.each([
    ["UTF-16 LE with a BOM", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(srt, "utf16le")]), "utf-16le"],
    [
      "UTF-16 BE with a BOM",
      Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(srt, "utf16le").swap16()]),
      "utf-16be",
    ],
    ["UTF-8 with a BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(srt)]), "utf-8"],
  ])("reads SRT captions in %s, not as audio", async (_name, bytes, encoding) => {
    expect(await detectInput(await fileWith(bytes))).toEqual({ kind: "captions", format: "srt", encoding });
  });

  const withBom = (text: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
  it.each([
    ["WebVTT", "WEBVTT\r\r00:00.000 --> 00:01.000\rHello\r", "vtt"],
    ["SRT", "1\r00:00:00,000 --> 00:00:01,000\rHello\r", "srt"],
  ])("reads %s whose lines end in a lone CR as that format, with a BOM or without", async (_name, text, format) => {
    for (const bytes of [Buffer.from(text), withBom(text)])
      expect(await detectInput(await fileWith(bytes))).toEqual({ kind: "captions", format, encoding: "utf-8" });
  });

  it.each([
    ["LE", [0xff, 0xfe], (text: string) => Buffer.from(text, "utf16le")],
    ["BE", [0xfe, 0xff], (text: string) => Buffer.from(text, "utf16le").swap16()],
  ])(
    "refuses UTF-16 %s text with a lone surrogate for its encoding, not as MPEG audio",
    async (_order, bom, encode) => {
      const loneSurrogate = encode("\ud800").subarray(0, 2);
      const bytes = Buffer.concat([Buffer.from(bom), encode("Hello there. "), loneSurrogate, encode("More text.\n")]);
      expect(await detectInput(await fileWith(bytes))).toEqual({ kind: "unsupported-encoding" });
    },
  );

  it("still takes binary data after an FF FE for binary, not damaged text", async () => {
    const noise = Buffer.from(Array.from({ length: 4094 }, (_, index) => (index * 7919 + 13) % 251));
    expect(await detectInput(await fileWith(Buffer.concat([Buffer.from([0xff, 0xfe]), noise])))).not.toEqual({
      kind: "unsupported-encoding",
    });
  });

  it("refuses Latin-1 text for its encoding, not as a wrong type", async () => {
    expect(await detectInput(await fileWith(Buffer.from("Réunion du conseil: ça va\n", "latin1")))).toEqual({
      kind: "unsupported-encoding",
    });
  });
});

describe("captionsFormatOf", () => {
  /**
   * The pattern the SRT check replaced (quadratic on blank lines after an index), with a lone CR taken as a
   * line break too.
   */
  const SRT_PATTERN = /^\s*\d+\s*[\r\n]\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->/;
  /** Pieces an SRT start is made of, and the near misses around them. */
  const piece = fc.constantFrom(
    ..."0123456789:,.->x \t\r\n".split(""),
    "\u00a0",
    "\u2028",
    "\u3000",
    "\ufeff",
    "12",
    "00:00:01,000",
    "00:01:02.5",
    " --> ",
    "-->",
    "\r\n",
    "\n\n",
  );
  const text = fc.array(piece, { maxLength: 24 }).map((pieces) => pieces.join(""));

  it("finds an SRT start exactly where the pattern it replaced did", () => {
    fc.assert(
      fc.property(text, (start) => {
        expect(captionsFormatOf(start) === "srt").toBe(SRT_PATTERN.test(start));
      }),
      { numRuns: 5_000 },
    );
  });

  it.each([
    ["1\n00:00:01,000 --> 00:00:02,000\nHi", "srt"],
    ["\ufeff 7 \r\n\r\n 1:02:03.4-->", "srt"],
    ["1 00:00:01,000 --> 00:00:02,000", "text"],
    ["1\n\n\nx", "text"],
    ["x1\n00:00:01,000 -->", "text"],
    ["WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000", "vtt"],
    ["1\r00:00:01,000 --> 00:00:02,000\rHi", "srt"],
    ["WEBVTT\r\r00:01.000 --> 00:02.000\rHi", "vtt"],
    ["WEBVTT - Minutes\r00:01.000 --> 00:02.000", "vtt"],
    ["WEBVTT - a\u2028b\n", "vtt"],
    ["WEBVTT", "vtt"],
    ["WEBVTTX\n", "text"],
  ])("reads %j as %s", (start, format) => {
    expect(captionsFormatOf(start)).toBe(format);
  });
});
