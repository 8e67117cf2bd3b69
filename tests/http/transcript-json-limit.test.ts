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

describe("POST /batch/subtitles says what is wrong with the answer sent back", () => {
  let service: Awaited<ReturnType<typeof listenTestApp>>;
  beforeAll(async () => {
    service = await listenTestApp({});
  });
  afterAll(() => service.close());

  const send = (body: string, type = "application/json") =>
    fetch(`http://127.0.0.1:${service.port}/batch/subtitles?format=srt`, {
      method: "POST",
      headers: { "Content-Type": type },
      body,
    });

  it.each([
    { body: '{"source":', status: 400, problem: { code: "invalid_transcript" } },
    {
      body: "[1,2]",
      status: 400,
      problem: {
        code: "invalid_transcript",
        field: "(body)",
        detail: "The body is not a JSON object: send a transcript answer as it came.",
      },
    },
    {
      body: JSON.stringify({ source: "audio", words: [{ word: "a", punctuated_word: "A", start: "0", end: 1 }] }),
      status: 400,
      problem: { code: "invalid_transcript", field: "words.0.start" },
    },
    {
      body: JSON.stringify({ source: "captions", raw_transcript: "no timings", utterances: null }),
      status: 400,
      problem: { code: "invalid_transcript", field: "utterances" },
    },
    {
      body: JSON.stringify({ source: "captions", raw_transcript: "plain text has no timings" }),
      status: 422,
      problem: { code: "subtitles_unavailable" },
    },
    { body: "{}", type: "text/plain", status: 415, problem: { code: "unsupported_media_type" } },
  ])("$status $problem.code for $body", async ({ body, type, status, problem }) => {
    const response = await send(body, type);
    expect(response.status).toBe(status);
    expect(response.headers.get("Content-Type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject(problem);
  });
});
