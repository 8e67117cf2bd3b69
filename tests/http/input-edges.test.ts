import { chmod, mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EventPublisher } from "../../app/events/event-publisher.js";
import { createTempFiles } from "../../app/upload/temp-files.js";
import { listenTestApp } from "../support/listening-app.js";
import { MULTIPART_TYPE } from "../support/multipart.js";
import { rawRequest } from "../support/raw-http.js";
import { buildTestApp, postUpload, uploadForm } from "../support/test-app.js";

function countingPublisher() {
  const published: Array<{ status: string; code?: string; stage?: string }> = [];
  const publisher: EventPublisher = {
    state: "enabled",
    publish(detail) {
      published.push(
        detail.status === "failed"
          ? { status: detail.status, code: detail.error.code, stage: detail.error.stage }
          : { status: detail.status },
      );
      return Promise.resolve({ status: "published", eventId: "evt", attempts: 1 });
    },
  };
  return { publisher, published };
}

const SRT =
  "1\r\n00:00:01,000 --> 00:00:02,500\r\nHola, um, José y Zoë\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nnos vemos\r\n";

describe("captions in other encodings, and transcripts with no text", () => {
  it.each([
    ["UTF-16 LE with a BOM", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(SRT, "utf16le")])],
    ["UTF-16 BE with a BOM", Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(SRT, "utf16le").swap16()])],
    ["UTF-8 with a BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(SRT)])],
  ])("reads an SRT file in %s", async (_name, bytes) => {
    const { app } = await buildTestApp();
    const response = await postUpload(app, uploadForm(bytes, "windows.srt"));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      source: "captions",
      raw_transcript: "Hola, um, José y Zoë\nnos vemos",
      metadata: { duration_s: 4 },
    });
  });

  it("refuses Latin-1 text with a 415 that names the encoding", async () => {
    const { app } = await buildTestApp();
    const response = await postUpload(
      app,
      uploadForm(Buffer.from("Réunion: ça commence à l'heure.\n", "latin1"), "notes.txt"),
    );
    expect(response.status).toBe(415);
    const problem = (await response.json()) as { detail: string; reason: string };
    expect(problem.detail).toMatch(/encoding/);
    expect(problem.detail).not.toMatch(/audio\/mpeg/);
    expect(problem.reason).toBe("encoding");
  });

  it.each([
    ["WebVTT with a header and no cues", "WEBVTT\n\nNOTE nothing said\n"],
    [
      "SRT whose cues are empty",
      "1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n\n2\n00:00:03,000 --> 00:00:04,000\n   \n",
    ],
    ["text of whitespace only", " \n\t\n   \n"],
  ])("answers 422 empty_transcript for %s and publishes BatchProcessingFailed, not Completed", async (_name, text) => {
    const { publisher, published } = countingPublisher();
    const { app, leftoverUploads } = await buildTestApp({ publisher });
    const response = await postUpload(app, uploadForm(text, "captions.txt"));
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: "empty_transcript", source: "captions" });
    expect(published).toEqual([{ status: "failed", code: "empty_transcript", stage: "validation" }]);
    expect(await leftoverUploads()).toEqual([]);
  });
});

describe("REQUEST_TIMEOUT_S covers the whole request", () => {
  it("answers 504 processing_timeout when processing outlives it, and frees the upload", async () => {
    const { app, leftoverUploads } = await buildTestApp({
      requestTimeoutMs: 200,
      cleaner: {
        name: "rules",
        clean: (_text, { signal }) =>
          new Promise((_resolve, reject) =>
            signal?.addEventListener("abort", () => reject(new Error("cleaning cut short")), { once: true }),
          ),
      },
    });
    const response = await postUpload(app, uploadForm("we should ship it", "notes.txt"));
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ code: "processing_timeout" });
    expect(await leftoverUploads()).toEqual([]);
  });

  it("answers 408 upload_timeout when the body is still arriving, however steadily", async () => {
    const service = await listenTestApp({ requestTimeoutMs: 300, uploadIdleTimeoutMs: 60_000 });
    try {
      const answer = await rawRequest({
        port: service.port,
        head: `POST /batch/process HTTP/1.1\r\nHost: x\r\nContent-Type: ${MULTIPART_TYPE}\r\nContent-Length: 100000\r\n\r\n`,
        body: Buffer.alloc(100_000, 0x61),
        stallAfterBytes: 10,
      });
      expect(answer.status).toBe(408);
      expect(JSON.parse(answer.body)).toMatchObject({ code: "upload_timeout" });
      expect(await service.leftoverUploads()).toEqual([]);
    } finally {
      await service.close();
    }
  });
});

describe("storage", () => {
  it("refuses an upload that would eat into the free-space reserve with 507", async () => {
    const { app, leftoverUploads } = await buildTestApp({ minFreeDiskBytes: Number.MAX_SAFE_INTEGER });
    const response = await postUpload(app, uploadForm("hello", "notes.txt"));
    expect(response.status).toBe(507);
    expect(await response.json()).toMatchObject({ code: "insufficient_storage" });
    expect(await leftoverUploads()).toEqual([]);
  });

  it("/readyz answers 503 not_ready while UPLOAD_DIR cannot be written", async () => {
    const gone = join(tmpdir(), `batch-missing-${process.pid}`, "nested");
    const { app } = await buildTestApp({ tempFiles: createTempFiles(gone) });
    const response = await app.request("/readyz");
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: "not_ready", uploads: { writable: false } });
  });

  it("at startup, sweeps only this service's own files older than the longest request", async () => {
    const directory = await mkdtemp(join(tmpdir(), "batch-sweep-"));
    const old = join(directory, "upload-old-1");
    const fresh = join(directory, "upload-fresh-1");
    const foreign = join(directory, "someone-elses.tmp");
    for (const path of [old, fresh, foreign]) await writeFile(path, "x");
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(old, hourAgo, hourAgo);
    await utimes(foreign, hourAgo, hourAgo);
    const tempFiles = createTempFiles(directory);
    expect(await tempFiles.sweepStale(60_000)).toBe(1);
    expect((await readdir(directory)).sort()).toEqual(["someone-elses.tmp", "upload-fresh-1"]);
    await rm(directory, { recursive: true, force: true });
  });

  it("releaseAll removes the files of requests still open", async () => {
    const directory = await mkdtemp(join(tmpdir(), "batch-release-"));
    const tempFiles = createTempFiles(directory);
    for (const id of ["a", "b"]) await writeFile(tempFiles.create(id), "partial");
    expect(await tempFiles.releaseAll()).toBe(2);
    expect(await readdir(directory)).toEqual([]);
    expect(tempFiles.openCount).toBe(0);
    await rm(directory, { recursive: true, force: true });
  });
});

describe("identity headers without a Node request (app.request)", () => {
  it("decodes UTF-8 bytes, and takes a Latin-1 value that is not UTF-8 as the characters it shows", async () => {
    const details: string[] = [];
    const { app } = await buildTestApp({
      publisher: {
        state: "enabled",
        publish(detail) {
          details.push(detail.user_id);
          return Promise.resolve({ status: "published", eventId: "evt", attempts: 1 });
        },
      },
    });
    for (const user of [Buffer.from("José Ñandú 日本").toString("latin1"), "José Zoë"]) {
      const response = await postUpload(app, uploadForm("we should ship it", "notes.txt"), { "X-User-ID": user });
      expect(response.status).toBe(200);
    }
    expect(details).toEqual(["José Ñandú 日本", "José Zoë"]);
  });
});

describe("/readyz and a read-only upload directory", () => {
  it("answers 503 not_ready when UPLOAD_DIR is marked read-only, and ready again after", async () => {
    const { app, uploadDir } = await buildTestApp();
    await chmod(uploadDir, 0o555);
    try {
      const response = await app.request("/readyz");
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: "not_ready", uploads: { writable: false } });
    } finally {
      await chmod(uploadDir, 0o755);
    }
    expect((await app.request("/readyz")).status).toBe(200);
  });
});
