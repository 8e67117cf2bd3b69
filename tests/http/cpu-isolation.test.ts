import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServerProcess, type ServerProcess } from "../support/server-process.js";
import { streamedUpload } from "../support/streamed-upload.js";

const MiB = 1024 * 1024;

describe("a 16 MiB captions file does not stall the service", () => {
  let server: ServerProcess;
  let uploadDir: string;

  beforeAll(async () => {
    uploadDir = await mkdtemp(join(tmpdir(), "batch-cpu-"));
    server = await startServerProcess({
      UPLOAD_DIR: uploadDir,
      AWS_EC2_METADATA_DISABLED: "true",
      HOME: "/nonexistent",
    });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
    await rm(uploadDir, { recursive: true, force: true });
  });

  it("answers /healthz promptly while it is parsed and cleaned, and its memory stays under 256 MiB", async () => {
    // One single line of words and fillers at the captions limit: the shape that cost 583 MB and seconds of loop.
    const words = Buffer.from("so um I I think we should, uh, ship it. ");
    const upload = () =>
      streamedUpload(`${server.url}/batch/process`, { head: words, fileBytes: 16 * MiB, filler: words });
    const slowest: number[] = [];
    let done = false;
    const probe = (async () => {
      while (!done) {
        const started = performance.now();
        const response = await fetch(`${server.url}/healthz`);
        await response.arrayBuffer();
        slowest.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const started = performance.now();
    const { result, growthBytes } = await server.peakRssGrowthDuring(upload);
    const requestMs = performance.now() - started;
    done = true;
    await probe;

    expect(result).not.toBe("aborted");
    if (result === "aborted") return;
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ source: "captions", cleaner: "rules" });
    expect(slowest.length).toBeGreaterThan(3);
    // Parsed on the event loop, one /healthz would wait out most of the request; off it, a small part of it.
    expect(Math.max(...slowest)).toBeLessThan(requestMs / 4);
    expect(growthBytes).toBeLessThan(256 * MiB);
    expect(await readdir(uploadDir)).toEqual([]);
  }, 120_000);
});
