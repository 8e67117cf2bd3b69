import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenTestApp } from "../support/listening-app.js";
import { rawRequest } from "../support/raw-http.js";

const MiB = 1024 * 1024;

/** A transcript answer with timed words, padded with a long transcript to `bytes` or so. */
function answerOf(bytes: number): Buffer {
  const words = [
    { word: "hello", punctuated_word: "Hello", start: 0, end: 0.5, confidence: 0.9 },
    { word: "there", punctuated_word: "there.", start: 0.5, end: 1, confidence: 0.9 },
  ];
  const answer = { source: "audio", words, raw_transcript: "" };
  const overhead = Buffer.byteLength(JSON.stringify(answer));
  return Buffer.from(JSON.stringify({ ...answer, raw_transcript: "x".repeat(Math.max(0, bytes - overhead)) }));
}

const head = (extra: string) =>
  `POST /batch/subtitles?format=vtt HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n${extra}\r\n`;

describe("POST /batch/subtitles takes a transcript answer up to MAX_TRANSCRIPT_JSON_BYTES, not the upload limit", () => {
  let service: Awaited<ReturnType<typeof listenTestApp>>;

  beforeAll(async () => {
    // Uploads may be far larger than a transcript answer may: the answer is read whole and parsed.
    service = await listenTestApp({ maxUploadBytes: 64 * MiB, maxTranscriptJsonBytes: MiB });
  });
  afterAll(() => service.close());

  it("an answer of the limit gets its subtitles", async () => {
    const body = answerOf(MiB);
    expect(body.length).toBe(MiB);
    const answer = await rawRequest({ port: service.port, head: head(`Content-Length: ${body.length}\r\n`), body });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("WEBVTT");
    expect(answer.body).toContain("Hello there.");
  });

  it("one declared over the limit is refused 413 before its body is read", async () => {
    const declared = 32 * MiB;
    const piece = Buffer.alloc(256 * 1024, 0x20);
    const answer = await rawRequest({
      port: service.port,
      head: head(`Content-Length: ${declared}\r\n`),
      body: (index) => (index < declared / piece.length ? piece : undefined),
    });
    expect(answer.status).toBe(413);
    expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "payload_too_large" });
    expect(answer.sentBytes).toBeLessThan(declared);
  });

  it("one sent chunked is refused 413 once it passes the limit, and nothing is left on disk", async () => {
    const piece = Buffer.alloc(256 * 1024, 0x20);
    const answer = await rawRequest({
      port: service.port,
      head: head("Transfer-Encoding: chunked\r\n"),
      // 128 chunks of 256 KiB: 32 MiB of JSON whitespace, 32 times the limit.
      body: (index) =>
        index < 128
          ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")])
          : index === 128
            ? Buffer.from("0\r\n\r\n")
            : undefined,
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ code: "payload_too_large" });
    expect(answer.sentBytes).toBeLessThan(32 * MiB);
    expect(await service.leftoverUploads()).toEqual([]);
  });
});
