import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTempFiles, FREE_SPACE_REUSE_MS } from "../../app/upload/temp-files.js";
import { localFile, memoryOrDiskSink } from "../../app/upload/upload-sink.js";

const owner = (interactionId: string) => ({ interactionId, tenantId: "tenant-a" });
const noShare = { reserveBytes: 0, tenantShare: 1 };

describe("the synchronous upload sink: small files in memory, larger ones to disk", () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "sink-"));
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  const chunks = (bytes: Buffer, size: number) =>
    Readable.from(
      Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size)),
    );

  it("keeps a file up to the limit in memory and writes nothing until a step asks for a file", async () => {
    const tempFiles = createTempFiles(directory);
    const sink = memoryOrDiskSink(tempFiles, owner("small"), noShare, 1024);
    const bytes = Buffer.from("WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n");
    const stored = await sink.store(chunks(bytes, 7), "text/vtt");
    expect(stored.memory?.whole().equals(bytes)).toBe(true);
    expect(await readdir(directory)).toEqual([]);
    const file = localFile(stored, tempFiles);
    const path = await file.path();
    expect(await file.path()).toBe(path);
    expect(await readFile(path)).toEqual(bytes);
    await file.release();
    expect(await readdir(directory)).toEqual([]);
    expect(tempFiles.openCount).toBe(0);
  });

  it("releases a small upload that never reached the disk without touching it, and stops tracking it", async () => {
    const tempFiles = createTempFiles(directory);
    const stored = await memoryOrDiskSink(tempFiles, owner("small"), noShare, 1024).store(
      chunks(Buffer.from("hello"), 2),
      undefined,
    );
    expect(tempFiles.openCount).toBe(1);
    await localFile(stored, tempFiles).release();
    expect(tempFiles.openCount).toBe(0);
    expect(await readdir(directory)).toEqual([]);
  });

  it("spills a larger file to disk, byte for byte, whatever the chunking", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 0, maxLength: 5000 }),
        fc.integer({ min: 1, max: 700 }),
        async (array, chunkSize) => {
          const bytes = Buffer.from(array);
          const sink = memoryOrDiskSink(createTempFiles(directory), owner("any"), noShare, 1024);
          const stored = await sink.store(chunks(bytes, chunkSize), undefined);
          if (bytes.length <= 1024) {
            // The head before the whole: it is then read from the chunks, not from the joined file.
            expect(stored.memory?.head(100).equals(bytes.subarray(0, 100))).toBe(true);
            expect(stored.memory?.whole().equals(bytes)).toBe(true);
          } else {
            expect(stored.memory).toBeUndefined();
            expect((await readFile(stored.path)).equals(bytes)).toBe(true);
          }
          await sink.discard();
          expect(await readdir(directory)).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("fails the upload when the disk refuses the file, and leaves nothing", async () => {
    const sink = memoryOrDiskSink(createTempFiles(join(directory, "missing-dir")), owner("refused"), noShare, 16);
    await expect(sink.store(chunks(Buffer.alloc(4096, 1), 512), undefined)).rejects.toMatchObject({ code: "ENOENT" });
    await sink.discard();
  });
});

describe("the upload directory's free space", () => {
  it("is read once for every upload that asks within the reuse window, and afresh after it", async () => {
    let clock = 0;
    const tempFiles = createTempFiles(tmpdir(), () => clock);
    const first = tempFiles.freeBytes();
    clock = FREE_SPACE_REUSE_MS;
    expect(tempFiles.freeBytes()).toBe(first);
    expect(await first).toBeGreaterThan(0);
    clock = FREE_SPACE_REUSE_MS + 1;
    const later = tempFiles.freeBytes();
    expect(later).not.toBe(first);
    expect(await later).toBeGreaterThan(0);
  });

  it("does not keep a failed reading: the next upload asks again", async () => {
    const tempFiles = createTempFiles(join(tmpdir(), `missing-${process.pid}`, "nested"), () => 0);
    const failed = tempFiles.freeBytes();
    await expect(failed).rejects.toMatchObject({ code: "ENOENT" });
    expect(tempFiles.freeBytes()).not.toBe(failed);
    await tempFiles.freeBytes().catch(() => undefined);
  });
});
