import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { detectInput } from "../../app/upload/input-detection.js";

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
    expect(await detectInput(fixture(`captions/${name}`))).toEqual({ kind: "captions", format });
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
    expect(await detectInput(await fileWith(text))).toEqual({ kind: "captions", format: "text" });
  });
});
