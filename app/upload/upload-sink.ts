import { FILE_HEAD_BYTES } from "./file-head.js";
import { writeFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type ObjectStore } from "../storage/object-store.js";
import { StorageUnavailable } from "../domain/failures.js";
import type { TempFiles } from "./temp-files.js";
import { claimDiskShare, type DiskLimits } from "./disk-share.js";
import { fileWriter } from "./file-writer.js";

/** Where an upload's file bytes go as they arrive. One sink serves one upload. */
export interface UploadSink<T> {
  /** Stores the bytes as they arrive; settles once the last is stored. */
  store(file: Readable, declaredType: string | undefined): Promise<T>;
  /** Removes whatever was stored (safe before, during or after `store`, and more than once). */
  discard(): Promise<void>;
  /** Local disk the sink fills, checked against a declared size before the body is read. */
  readonly space?: {
    freeBytes(): Promise<number>;
    reserveBytes: number;
    /** Fails (`DiskShareFull`) when a file of `bytes` would take its tenant past its share of the disk. */
    checkShare(bytes: number): Promise<void>;
  };
}

/** Removes what a failed upload stored, then fails with its error (and the removal's, if that failed too). */
export function discardFailed(sink: UploadSink<unknown>, error: Error): Promise<never> {
  return sink.discard().then(
    () => Promise.reject(error),
    (discardError: unknown) =>
      Promise.reject(
        new AggregateError([error, discardError], "the upload failed and what was stored could not be removed"),
      ),
  );
}

/** A small file held in memory as it arrived, in chunks: joined only when a step needs it whole. */
export interface InMemoryFile {
  /** Its first `bytes` (all of it when shorter), copied out of the first chunks only. */
  head(bytes: number): Buffer;
  /** The whole file, joined once on first use. */
  whole(): Buffer;
}

export function inMemoryFile(chunks: readonly Buffer[]): InMemoryFile {
  let joined: Buffer | undefined;
  return {
    head(bytes) {
      if (joined !== undefined) return joined.subarray(0, bytes);
      const first: Buffer[] = [];
      let length = 0;
      for (const chunk of chunks) {
        if (length >= bytes) break;
        first.push(chunk);
        length += chunk.length;
      }
      return Buffer.concat(first).subarray(0, bytes);
    },
    whole: () => (joined ??= Buffer.concat(chunks)),
  };
}

/**
 * An upload on the synchronous path: held in memory when it is small, else written to the upload directory.
 * `path` is reserved either way, so the bytes can be written there when a step needs a file.
 */
export interface TempFileUpload {
  path: string;
  /** The file, when it stayed under the in-memory limit (nothing was written to disk). */
  memory?: InMemoryFile | undefined;
}

/** Files up to this size are kept in memory: a small captions file then costs no disk round trip. */
export const IN_MEMORY_UPLOAD_BYTES = 1024 * 1024;

/**
 * Keeps an upload of up to `inMemoryBytes` in memory; a larger one spills to a temporary file, under the disk
 * reserve and within its tenant's share of the disk.
 */
export function memoryOrDiskSink(
  tempFiles: TempFiles,
  owner: { interactionId: string; tenantId: string },
  limits: DiskLimits,
  inMemoryBytes = IN_MEMORY_UPLOAD_BYTES,
): UploadSink<TempFileUpload> {
  // Named after the request, so a stray file can be traced to it.
  const path = tempFiles.create(owner.interactionId, owner.tenantId);
  const counted = { path, tenantId: owner.tenantId };
  let writer: ReturnType<typeof fileWriter> | undefined;
  const toDisk = async (chunk: Buffer) => {
    await claimDiskShare(tempFiles, counted, limits, chunk.length);
    await writer!.write(chunk);
  };
  return {
    space: {
      freeBytes: () => tempFiles.freeBytes(),
      reserveBytes: limits.reserveBytes,
      // A file small enough to stay in memory takes nothing of the disk.
      checkShare: async (bytes) =>
        bytes > inMemoryBytes ? claimDiskShare(tempFiles, counted, limits, bytes, { count: false }) : undefined,
    },
    async store(file) {
      let held: Buffer[] = [];
      let heldBytes = 0;
      await pipeline(file, async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) {
          if (writer !== undefined) {
            await toDisk(chunk);
            continue;
          }
          held.push(chunk);
          heldBytes += chunk.length;
          if (heldBytes <= inMemoryBytes) continue;
          // Past the limit: to disk from here on, starting with what was held.
          writer = fileWriter(path);
          for (const piece of held) await toDisk(piece);
          held = [];
        }
        await writer?.end();
      });
      return writer === undefined ? { path, memory: inMemoryFile(held) } : { path };
    },
    async discard() {
      const target = writer?.target;
      target?.destroy();
      // The write stream may still be opening the file; let it close so nothing is left behind.
      if (target !== undefined && !target.closed) await new Promise<void>((done) => target.once("close", () => done()));
      await tempFiles.release(path);
    },
  };
}

/**
 * The upload as a file: written from memory to its reserved path the first time a step needs one. Its
 * release removes the file only when one was written: most small uploads never reach the disk.
 */
export function localFile(upload: TempFileUpload, tempFiles: TempFiles) {
  const { memory } = upload;
  let written: Promise<string> | undefined = memory === undefined ? Promise.resolve(upload.path) : undefined;
  return {
    path: (): Promise<string> => (written ??= writeFile(upload.path, memory!.whole()).then(() => upload.path)),
    async release(): Promise<void> {
      if (written === undefined) return tempFiles.forget(upload.path);
      // A write still under way finishes first, so the removal does not race it.
      await written.catch(() => undefined);
      await tempFiles.release(upload.path);
    },
  };
}

/** An upload stored in the bucket, with its first bytes kept for detection. */
export interface StoredUpload {
  key: string;
  head: Buffer;
}

/**
 * Streams the file into an S3 multipart upload (memory: the parts in flight, whatever the file's size),
 * keeping its first bytes for detection.
 */
export function objectStoreSink(store: ObjectStore, key: string): UploadSink<StoredUpload> {
  const aborted = new AbortController();
  let started = false;
  return {
    async store(file, declaredType) {
      started = true;
      const head: Buffer[] = [];
      let headBytes = 0;
      file.on("data", (chunk: Buffer) => {
        if (headBytes >= FILE_HEAD_BYTES) return;
        head.push(chunk.subarray(0, FILE_HEAD_BYTES - headBytes));
        headBytes += Math.min(chunk.length, FILE_HEAD_BYTES - headBytes);
      });
      try {
        await store.upload(key, file, { contentType: declaredType, signal: aborted.signal });
      } catch (error) {
        if (aborted.signal.aborted) throw error;
        throw new StorageUnavailable("The upload store", { cause: error });
      }
      return { key, head: Buffer.concat(head) };
    },
    async discard() {
      aborted.abort();
      if (started) await store.delete(key).catch(() => undefined);
    },
  };
}
