import { createWriteStream, type WriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { StorageUnavailable, type ObjectStore } from "../storage/object-store.js";
import type { TempFiles } from "./temp-files.js";

/** Where an upload's file bytes go as they arrive. One sink serves one upload. */
export interface UploadSink<T> {
  /** Stores the bytes as they arrive; settles once the last is stored. */
  store(file: Readable, declaredType: string | undefined): Promise<T>;
  /** Removes whatever was stored (safe before, during or after `store`, and more than once). */
  discard(): Promise<void>;
  /** Local disk the sink fills, checked against a declared size before the body is read. */
  readonly space?: { freeBytes(): Promise<number>; reserveBytes: number };
}

/** Removes what a failed upload stored, then fails with its error (and the removal's, if that failed too). */
export function discardFailed(sink: UploadSink<unknown>, error: Error): Promise<never> {
  return sink.discard().then(
    () => Promise.reject(error),
    (discardError: unknown) => Promise.reject(new AggregateError([error, discardError], "the upload failed and what was stored could not be removed")),
  );
}

/** A file written to the upload directory: what the synchronous path processes. */
export interface TempFileUpload {
  path: string;
}

export function tempFileSink(tempFiles: TempFiles, interactionId: string, reserveBytes: number): UploadSink<TempFileUpload> {
  // Named after the request, so a stray file can be traced to it.
  const path = tempFiles.create(interactionId);
  let target: WriteStream | undefined;
  return {
    space: { freeBytes: () => tempFiles.freeBytes(), reserveBytes },
    async store(file) {
      target = createWriteStream(path);
      await pipeline(file, target);
      return { path };
    },
    async discard() {
      target?.destroy();
      // The write stream may still be opening the file; let it close so nothing is left behind.
      if (target !== undefined && !target.closed) await new Promise<void>((done) => target!.once("close", () => done()));
      await tempFiles.release(path);
    },
  };
}

/** An upload stored in the bucket, with its first bytes kept for detection. */
export interface StoredUpload {
  key: string;
  head: Buffer;
}

/** Enough of the start of a file to tell what it is (file-type skips ID3 tags and reads MP4 boxes). */
export const HEAD_BYTES = 256 * 1024;

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
        if (headBytes >= HEAD_BYTES) return;
        head.push(chunk.subarray(0, HEAD_BYTES - headBytes));
        headBytes += Math.min(chunk.length, HEAD_BYTES - headBytes);
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
