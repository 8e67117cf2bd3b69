import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DiskShareFull } from "../../app/upload/disk-share.js";
import { createTempFiles } from "../../app/upload/temp-files.js";
import { localFile, memoryOrDiskSink } from "../../app/upload/upload-sink.js";

const KiB = 1024;
const MiB = 1024 * KiB;

/** Temporary files on a disk of `diskBytes`, whose free space is what this instance's files leave of it. */
function diskOf(directory: string, diskBytes: number) {
  const tempFiles = createTempFiles(directory);
  return Object.assign(tempFiles, {
    freeBytes: () => Promise.resolve(diskBytes - tempFiles.bytesHeld("", "").total),
  });
}

const fileOf = (bytes: number) =>
  Readable.from(Array.from({ length: Math.ceil(bytes / (64 * KiB)) }, () => Buffer.alloc(64 * KiB, 0x61)));

describe("a tenant's share of the upload disk", () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "disk-share-"));
  });
  afterEach(() => rm(directory, { recursive: true, force: true }));

  // 12 MiB disk, 2 MiB kept free: 10 MiB for uploads, a quarter (2.5 MiB) a tenant.
  const limits = { reserveBytes: 2 * MiB, tenantShare: 0.25 };
  const sinkFor = (tempFiles: ReturnType<typeof diskOf>, tenantId: string, interactionId: string) =>
    memoryOrDiskSink(tempFiles, { interactionId, tenantId }, limits, 64 * KiB);

  it("lets a tenant's only file on disk go past its share, as far as the reserve allows", async () => {
    const tempFiles = diskOf(directory, 12 * MiB);
    const sink = sinkFor(tempFiles, "tenant-a", "only");
    await expect(sink.space!.checkShare(6 * MiB)).resolves.toBeUndefined();
    const stored = await sink.store(fileOf(6 * MiB), undefined);
    expect(tempFiles.bytesHeld("tenant-a", stored.path)).toEqual({ total: 6 * MiB, tenant: 6 * MiB, file: 6 * MiB });
    await sink.discard();
    expect(tempFiles.bytesHeld("tenant-a", stored.path).total).toBe(0);
  });

  it("refuses a tenant's second file past its share while another tenant's goes through, and leaves nothing", async () => {
    const tempFiles = diskOf(directory, 12 * MiB);
    const first = sinkFor(tempFiles, "tenant-a", "first");
    await first.store(fileOf(2 * MiB), undefined);

    const second = sinkFor(tempFiles, "tenant-a", "second");
    const refused = await second.store(fileOf(1 * MiB), undefined).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(DiskShareFull);
    // The share is counted from the space uploads can use: 12 MiB less the reserve (what is held included).
    expect(refused).toMatchObject({ shareBytes: 2.5 * MiB });
    await second.discard();

    const other = sinkFor(tempFiles, "tenant-b", "other");
    const stored = await other.store(fileOf(2 * MiB), undefined);
    expect(tempFiles.bytesHeld("tenant-b", stored.path).tenant).toBe(2 * MiB);
    await other.discard();
    await first.discard();
    expect(await readdir(directory)).toEqual([]);
    expect(tempFiles.openCount).toBe(0);
  });

  it("refuses only the upload that crosses the share when a tenant's uploads are written at once", async () => {
    const tempFiles = diskOf(directory, 12 * MiB);
    const sinks = [1, 2, 3].map((n) => sinkFor(tempFiles, "tenant-a", `at-once-${n}`));
    const outcomes = await Promise.allSettled(sinks.map((sink) => sink.store(fileOf(2 * MiB), undefined)));
    // Each refused file stops counting at once, so the others go on in the room it leaves.
    expect(outcomes.filter((outcome) => outcome.status === "fulfilled")).toHaveLength(1);
    for (const outcome of outcomes.filter((outcome) => outcome.status === "rejected"))
      expect(outcome.reason).toBeInstanceOf(DiskShareFull);
    await Promise.all(sinks.map((sink) => sink.discard()));
    expect(await readdir(directory)).toEqual([]);
  });

  it("refuses a declared size past the share before anything is read, but not a file that stays in memory", async () => {
    const tempFiles = diskOf(directory, 12 * MiB);
    const first = sinkFor(tempFiles, "tenant-a", "first");
    const stored = await first.store(fileOf(2 * MiB), undefined);
    const next = sinkFor(tempFiles, "tenant-a", "next");
    await expect(next.space!.checkShare(1 * MiB)).rejects.toBeInstanceOf(DiskShareFull);
    await expect(next.space!.checkShare(64 * KiB)).resolves.toBeUndefined();
    await expect(next.space!.checkShare(256 * KiB)).resolves.toBeUndefined();
    // Once the first file is released its bytes no longer count against the tenant.
    await localFile(stored, tempFiles).release();
    await expect(next.space!.checkShare(4 * MiB)).resolves.toBeUndefined();
    await next.discard();
  });

  it("counts files that stayed in memory as nothing on disk", async () => {
    const tempFiles = diskOf(directory, 12 * MiB);
    const small = sinkFor(tempFiles, "tenant-a", "small");
    const kept = await small.store(fileOf(64 * KiB), undefined);
    expect(kept.memory).toBeDefined();
    const large = sinkFor(tempFiles, "tenant-a", "large");
    const stored = await large.store(fileOf(6 * MiB), undefined);
    expect(tempFiles.bytesHeld("tenant-a", stored.path)).toMatchObject({ tenant: 6 * MiB, file: 6 * MiB });
    await large.discard();
    await small.discard();
  });

  it("holds no tenant to a share when a tenant may use the whole instance", async () => {
    const tempFiles = diskOf(directory, 12 * MiB);
    const whole = { reserveBytes: 2 * MiB, tenantShare: 1 };
    const first = memoryOrDiskSink(tempFiles, { interactionId: "first", tenantId: "tenant-a" }, whole, 64 * KiB);
    const second = memoryOrDiskSink(tempFiles, { interactionId: "second", tenantId: "tenant-a" }, whole, 64 * KiB);
    await first.store(fileOf(4 * MiB), undefined);
    const stored = await second.store(fileOf(4 * MiB), undefined);
    expect(tempFiles.bytesHeld("tenant-a", stored.path).tenant).toBe(8 * MiB);
    await first.discard();
    await second.discard();
  });
});
