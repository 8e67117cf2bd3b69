import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import { ApiError } from "../problem.js";

export const FILE_FIELD = "file";

/** Room for multipart boundaries and part headers on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export interface UploadRequest {
  contentType: string | undefined;
  contentLength: string | undefined;
  body: Readable | null;
}

export interface UploadOptions {
  maxBytes: number;
  directory: string;
  /** Used in the temporary file's name, so a stray file can be traced to its request. */
  interactionId: string;
}

/** A file received to disk. `remove()` is safe to call more than once. */
export interface ReceivedUpload {
  path: string;
  bytes: number;
  /** The part's declared Content-Type: logged, never trusted (detection reads the bytes). */
  declaredType: string | undefined;
  remove(): Promise<void>;
}

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("payload_too_large", `The file is larger than the limit of ${maxBytes} bytes.`, {
    max_bytes: maxBytes,
  });
}

/** Refuses what can be refused from the headers alone, before any byte of the body is read. */
export function checkUploadHeaders(request: Omit<UploadRequest, "body">, maxBytes: number): void {
  const type = request.contentType?.toLowerCase() ?? "";
  if (!type.startsWith("multipart/form-data")) {
    throw new ApiError(
      "unsupported_media_type",
      "Send the recording as multipart/form-data with the file in a field named `file`.",
    );
  }
  if (!/boundary=/i.test(type)) {
    throw new ApiError("malformed_multipart", "The multipart Content-Type has no boundary.");
  }
  const declared = Number(request.contentLength);
  if (request.contentLength !== undefined && Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD_BYTES) {
    throw tooLarge(maxBytes);
  }
}

/**
 * Streams the multipart field `file` straight to a temporary file. busboy enforces the size limit as the bytes
 * pass, so it holds for chunked bodies too. Other fields are drained and ignored. On any failure (limit, malformed body,
 * client gone) the partial file is removed before the error propagates.
 */
export async function receiveUpload(request: UploadRequest, options: UploadOptions): Promise<ReceivedUpload> {
  checkUploadHeaders(request, options.maxBytes);
  if (request.body === null) throw new ApiError("missing_file", "The request has no body.");

  const path = join(options.directory, `upload-${options.interactionId}-${randomUUID()}`);
  const remove = () => rm(path, { force: true });
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { "content-type": request.contentType as string }, limits: { fileSize: options.maxBytes } });
  } catch (error) {
    throw new ApiError("malformed_multipart", "The multipart Content-Type could not be parsed.", {}, { cause: error });
  }

  let file: Promise<Omit<ReceivedUpload, "remove" | "path">> | undefined;
  let duplicate = false;
  parser.on("file", (field, stream, info) => {
    if (field !== FILE_FIELD || file !== undefined) {
      duplicate ||= field === FILE_FIELD;
      stream.resume();
      return;
    }
    const destination = createWriteStream(path);
    // Stop reading at once rather than draining the rest of an oversized upload.
    stream.on("limit", () => {
      const error = tooLarge(options.maxBytes);
      stream.destroy(error);
      parser.destroy(error);
    });
    file = pipeline(stream, destination).then(() => ({
      bytes: destination.bytesWritten,
      declaredType: info.mimeType || undefined,
    }));
    // Observed here so an early failure is not reported as unhandled; awaited below.
    file.catch(() => undefined);
  });

  try {
    await pipeline(request.body, parser);
    if (duplicate) throw new ApiError("malformed_multipart", "Send exactly one `file` field.");
    if (file === undefined) {
      throw new ApiError("missing_file", "The multipart body has no field named `file`.");
    }
    const received = await file;
    if (received.bytes === 0) throw new ApiError("empty_file", "The uploaded file is empty.");
    return { path, ...received, remove };
  } catch (error) {
    // The write stream may still be opening the file; let it settle so nothing is left behind.
    if (file !== undefined) await file.catch(() => undefined);
    await remove();
    throw asUploadError(error);
  }
}

function asUploadError(error: unknown): unknown {
  if (error instanceof ApiError) return error;
  // A failing disk is ours to answer for (500), not the client's.
  if (error instanceof Error && "syscall" in error) return error;
  return new ApiError(
    "malformed_multipart",
    "The multipart body could not be read to its end (malformed, or the upload was interrupted).",
    {},
    { cause: error },
  );
}
