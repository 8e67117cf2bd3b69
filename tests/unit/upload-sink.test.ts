import fs from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTempFiles, FREE_SPACE_REUSE_MS } from "../../app/upload/temp-files.js";
import { FILE_WRITE_BATCH_BYTES, FILE_WRITE_BUFFER_BYTES } from "../../app/upload/file-writer.js";
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

  it("writes a large file in writes of at least a batch each (the last aside), byte for byte, through full buffers, leaving no listener behind", async () => {
    // Chunks arriving faster than the disk takes them, so the write buffer fills, and in the middle of a batch:
    // a batch still gathered when the buffer is full must go out, or the wait for room never ends.
    const bytes = Buffer.alloc(12 * FILE_WRITE_BUFFER_BYTES + 12345);
    for (let i = 0; i < bytes.length; i += 4096) bytes.writeUInt32BE(i, i);
    const write = vi.spyOn(fs, "write");
    const writev = vi.spyOn(fs, "writev");
    // A wait for room that left its listener behind would pass Node's limit of ten within this file.
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const sink = memoryOrDiskSink(createTempFiles(directory), owner("large"), noShare, 1024);
      const stored = await sink.store(chunks(bytes, 40_000), undefined);
      expect((await readFile(stored.path)).equals(bytes)).toBe(true);
      // Every write the file got, in the order it got them.
      const sizes = [
        ...write.mock.calls.map(([, buffer], i) => [write.mock.invocationCallOrder[i]!, Buffer.byteLength(buffer)]),
        ...writev.mock.calls.map(([, buffers], i) => [
          writev.mock.invocationCallOrder[i]!,
          Buffer.concat(buffers as Buffer[]).length,
        ]),
      ]
        .sort(([a], [b]) => a! - b!)
        .map(([, size]) => size!);
      expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(bytes.length);
      expect(sizes.slice(0, -1).every((size) => size >= FILE_WRITE_BATCH_BYTES)).toBe(true);
      await sink.discard();
      await nextTurn();
      expect(warnings.map(({ name }) => name)).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
      write.mockRestore();
      writev.mockRestore();
    }
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
