import { SCREEN_BYTES } from "../../upload/file-head.js";
import { DomainError } from "../../domain/failures.js";
import type { UploadSink } from "../../upload/upload-sink.js";
import { DiskShareFull } from "../../upload/disk-share.js";
import type { Hash } from "node:crypto";
import type { Readable } from "node:stream";
import { ApiError } from "../contract/problem.js";
import type { MinUploadRate } from "./arrival-watch.js";

/** An upload as either front door receives it (multipart or the whole body), and how it is refused or cut short. */

export interface UploadRequest {
  contentType: string | undefined;
  contentLength: string | undefined;
  body: Readable | null;
}

export interface UploadOptions<T> {
  /** The largest file accepted: a file of exactly this size is. */
  maxBytes: number;
  /** Where the file's bytes go as they arrive: a temporary file, or object storage. */
  sink: UploadSink<T>;
  /** A body that sends nothing for this long is refused with 408 `upload_idle_timeout`. */
  idleTimeoutMs: number;
  /** A body that sends less than this is refused with 408 `upload_too_slow`. */
  minRate?: MinUploadRate | undefined;
  /** Aborts the upload: its reason is what the receiver fails with. */
  signal?: AbortSignal | undefined;
  /**
   * Called once with the file's first `SCREEN_BYTES` when the file is at least that long: a throw (a domain
   * error such as an unsupported type) refuses the upload there, without reading the rest.
   */
  screen?: ((head: Buffer) => Promise<void>) | undefined;
  /** Fed every byte of the file as it passes, when the caller needs its digest (an Idempotency-Key's fingerprint). */
  hash?: Hash | undefined;
}

/** The file as received: its size, its declared type, and what the sink made of it. */
export interface Received<T> {
  bytes: number;
  /** The declared Content-Type: logged, never trusted (detection reads the bytes). */
  declaredType: string | undefined;
  stored: T;
  /** Request options (query parameters) the client sent as form fields instead: ignored, and warned of. */
  optionFields?: string[];
}

/** The client went away (reset, socket error, or closed before its request was complete). */
export class ClientGoneError extends Error {
  override readonly name = "ClientGoneError";
  constructor(options?: { cause?: unknown }) {
    super("The client went away before its request was complete.", options);
  }
}

export function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `The file is larger than the limit of ${maxBytes} bytes.`, {
    max_bytes: maxBytes,
  });
}

/**
 * Refuses a declared upload that would eat into the disk space kept in reserve (507), or take its tenant past
 * its share of the disk (429).
 */
export async function checkFreeSpace(
  space: NonNullable<UploadSink<unknown>["space"]>,
  declared: number | undefined,
): Promise<void> {
  const free = await space.freeBytes();
  if ((declared ?? 0) + space.reserveBytes > free) {
    throw new ApiError(
      "insufficient_storage",
      "There is not enough free disk space for this upload right now; try again later.",
      {
        ...(declared !== undefined && { required_bytes: declared }),
      },
    );
  }
  if (declared === undefined) return;
  try {
    await space.checkShare(declared);
  } catch (error) {
    throw asUploadError(error);
  }
}

/** Seconds a tenant past its share of the disk is told to wait: about as long as a large upload of its takes. */
const DISK_SHARE_RETRY_AFTER_S = 30;

/** The refusal for a file the upload disk cannot take: its tenant's share is full (429), or the disk is (507). */
export function asDiskRefusal(error: unknown): ApiError | undefined {
  if (error instanceof DiskShareFull) {
    return new ApiError(
      "tenant_too_busy",
      `${error.message} Try again when one of them has finished.`,
      { retry_after_s: DISK_SHARE_RETRY_AFTER_S },
      { cause: error },
    );
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") {
    return new ApiError(
      "insufficient_storage",
      "The disk filled up while the upload was written; try again later.",
      {},
      { cause: error },
    );
  }
  return undefined;
}

export function asUploadError(error: unknown): Error {
  if (error instanceof ApiError || error instanceof ClientGoneError || error instanceof DomainError) return error;
  const refusal = asDiskRefusal(error);
  if (refusal !== undefined) return refusal;
  // Any other failing disk is ours to answer for (500), not the client's.
  if (error instanceof Error && "syscall" in error) return error;
  return new ApiError(
    "malformed_multipart",
    "The multipart body could not be read to its end (malformed, or cut short).",
    {},
    { cause: error },
  );
}

/**
 * Gathers a file's first `SCREEN_BYTES` as it streams, and hands them to `screen` once, then forgets them.
 * `settled` is awaited before the upload is accepted: what the screen starts or finds is known by then.
 */
export function headScreen(screen: UploadOptions<unknown>["screen"], fail: (error: Error) => void) {
  const chunks: Buffer[] = [];
  let length = 0;
  let done = screen === undefined;
  let screening: Promise<void> = Promise.resolve();
  return {
    feed(chunk: Buffer): void {
      if (done) return;
      chunks.push(chunk);
      length += chunk.length;
      if (length < SCREEN_BYTES) return;
      done = true;
      const head = Buffer.concat(chunks).subarray(0, SCREEN_BYTES);
      chunks.length = 0;
      screening = screen!(head).catch((error: unknown) => fail(asUploadError(error)));
    },
    settled: () => screening,
  };
}
