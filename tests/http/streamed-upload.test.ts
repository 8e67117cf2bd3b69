import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FAKE_DEEPGRAM_KEY, SPOKEN_TEXT, startFakeDeepgram } from "../support/fake-deepgram.js";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";
import { streamedUpload } from "../support/streamed-upload.js";
import { FIXTURES } from "../support/test-app.js";

const MiB = 1024 * 1024;

describe("uploads stream through a real server process", () => {
  let deepgram: Awaited<ReturnType<typeof startFakeDeepgram>>;
  let server: ServerProcess;
  let uploadDir: string;
  let wavHead: Buffer;

  beforeAll(async () => {
    deepgram = await startFakeDeepgram();
    uploadDir = await mkdtemp(join(tmpdir(), "batch-stream-"));
    wavHead = (await readFile(new URL("audio/speech.wav", FIXTURES))).subarray(0, 44);
    server = await startServerProcess({
      DEEPGRAM_API_KEY: FAKE_DEEPGRAM_KEY,
      DEEPGRAM_BASE_URL: deepgram.url,
      UPLOAD_DIR: uploadDir,
      MAX_UPLOAD_BYTES: String(400 * MiB),
    });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
    await deepgram.close();
    await rm(uploadDir, { recursive: true, force: true });
  });

  it("accepts a 300 MiB upload while its resident memory grows by less than 100 MiB", async () => {
    // Warm up: the first request loads code paths whose memory is not the upload's.
    await streamedUpload(`${server.url}/batch/process`, { head: wavHead, fileBytes: 4 * MiB });
    const { result, growthBytes } = await server.peakRssGrowthDuring(() =>
      streamedUpload(`${server.url}/batch/process`, { head: wavHead, fileBytes: 300 * MiB }),
    );

    expect(result).not.toBe("aborted");
    if (result === "aborted") return;
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ raw_transcript: SPOKEN_TEXT, source: "audio" });
    expect(deepgram.requests.at(-1)?.bytes).toBe(300 * MiB);
    expect(growthBytes).toBeLessThan(100 * MiB);
    expect(await readdir(uploadDir)).toEqual([]);
  }, 120_000);

  it("removes the partial file when the client goes away mid-upload, and keeps serving", async () => {
    let sawFile = false;
    const result = await streamedUpload(`${server.url}/batch/process`, {
      head: wavHead,
      fileBytes: 64 * MiB,
      abortAfterBytes: 16 * MiB,
      onProgress: async (sent) => {
        if (sent >= 8 * MiB && !sawFile) sawFile = (await readdir(uploadDir)).length > 0;
      },
    });
    expect(result).toBe("aborted");
    let left = await readdir(uploadDir);
    for (let i = 0; i < 100 && left.length > 0; i += 1) {
      await sleep(50);
      left = await readdir(uploadDir);
    }
    expect(sawFile).toBe(true);
    expect(left).toEqual([]);
    // The temporary file goes before the request's log line is written and read back from the process.
    await vi.waitFor(
      () =>
        expect(server.logs.find((line) => line.msg === "request completed" && line.status === 499)).toMatchObject({
          method: "POST",
          path: "/batch/process",
        }),
      { timeout: 10_000 },
    );
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/http_requests_total\{route="\/batch\/process",method="POST",status="499"\} 1/);

    const form = new FormData();
    form.append("file", new Blob([await readFile(new URL("captions/notes.txt", FIXTURES))]), "notes.txt");
    const after = await fetch(`${server.url}/batch/process`, { method: "POST", body: form });
    expect(after.status).toBe(200);
  }, 60_000);

  it("logs every request line with its interaction id and never the transcript", () => {
    const requestLines = server.logs.slice(server.logs.findIndex((line) => line.msg === "listening") + 1);
    expect(requestLines.length).toBeGreaterThan(0);
    for (const line of requestLines) expect(line.interaction_id).toEqual(expect.any(String));
    expect(JSON.stringify(server.logs)).not.toContain("ship on Friday");
  });
});
