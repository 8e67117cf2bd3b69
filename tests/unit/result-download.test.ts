import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { StorageUnavailable } from "../../app/domain/failures.js";
import { ApiError } from "../../app/http/contract/problem.js";
import { downloadResult } from "../../app/http/upload/result-download.js";
import type { ObjectStore } from "../../app/storage/object-store.js";
import { createTempFiles } from "../../app/upload/temp-files.js";
import { memoryOrDiskSink } from "../../app/upload/upload-sink.js";

const LIMITS = { reserveBytes: 0, tenantShare: 1 };

/** A bucket whose one object is `chunks`, then whatever `end` does to its stream. */
function bucketOf(chunks: Buffer[], end?: (body: Readable) => void): ObjectStore {
  return {
    open: () => {
      const body = new Readable({ read() {} });
      for (const chunk of chunks) body.push(chunk);
      if (end === undefined) body.push(null);
      else setImmediate(() => end(body));
      return Promise.resolve({ body, bytes: chunks.reduce((sum, chunk) => sum + chunk.length, 0) });
    },
  } as unknown as ObjectStore;
}

describe("a job's result put on the upload disk", () => {
  let directory: string | undefined;
  afterEach(async () => {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
  });

  async function sinkOnDisk() {
    directory = await mkdtemp(join(tmpdir(), "result-download-"));
    const tempFiles = createTempFiles(directory);
    const sink = memoryOrDiskSink(tempFiles, { interactionId: randomUUID(), tenantId: randomUUID() }, LIMITS, 0);
    return { tempFiles, sink };
  }

  it("writes every byte to a file and says its size", async () => {
    const { sink } = await sinkOnDisk();
    const chunks = [Buffer.alloc(70_000, "a"), Buffer.alloc(5, "b")];
    const downloaded = await downloadResult(bucketOf(chunks), "k", sink, new AbortController().signal);
    expect(downloaded?.bytes).toBe(70_005);
    expect(await readdir(directory!)).toHaveLength(1);
  });

  it("answers undefined when the bucket has no such object", async () => {
    const { sink } = await sinkOnDisk();
    const empty = { open: () => Promise.resolve(undefined) } as unknown as ObjectStore;
    expect(await downloadResult(empty, "k", sink, new AbortController().signal)).toBeUndefined();
  });

  it("fails as the bucket being unavailable when its stream breaks, and leaves no file", async () => {
    const { tempFiles, sink } = await sinkOnDisk();
    const broken = bucketOf([Buffer.alloc(70_000, "a")], (body) => body.destroy(new Error("connection reset")));
    const failed = await downloadResult(broken, "k", sink, new AbortController().signal).catch(
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(StorageUnavailable);
    expect(await readdir(directory!)).toEqual([]);
    expect(tempFiles.openCount).toBe(0);
  });

  it("fails as the bucket being unavailable when its stream breaks while the disk is checked, before it is read", async () => {
    const { tempFiles, sink } = await sinkOnDisk();
    let body: Readable | undefined;
    const bucket = {
      open: () => {
        body = new Readable({ read() {} });
        return Promise.resolve({ body, bytes: 10 });
      },
    } as unknown as ObjectStore;
    // The stream fails, and says so, while the free space is read: nothing reads it yet.
    const space = {
      ...sink.space!,
      freeBytes: async () => {
        body!.destroy(new Error("connection reset"));
        await nextTurn();
        return Number.MAX_SAFE_INTEGER;
      },
    };
    const failed = await downloadResult(bucket, "k", { ...sink, space }, new AbortController().signal).catch(
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(StorageUnavailable);
    expect(tempFiles.openCount).toBe(0);
  });

  it("fails as insufficient storage when the disk fills while it is written, and leaves no file", async () => {
    const { tempFiles, sink } = await sinkOnDisk();
    const full = Object.assign(new Error("no space left on device"), { code: "ENOSPC" });
    const failing = { ...sink, store: () => Promise.reject(full) };
    const failed = await downloadResult(bucketOf([Buffer.alloc(10, "a")]), "k", failing, new AbortController().signal)
      .then(() => undefined)
      .catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(ApiError);
    expect(failed).toMatchObject({ code: "insufficient_storage" });
    expect(tempFiles.openCount).toBe(0);
  });
});
