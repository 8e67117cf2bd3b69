import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { jsonPieces, stringSlices } from "../text/json-pieces.js";
import { createPacer, yieldToLoop } from "../text/loop-pause.js";

/** A stored object's size and sha256, as written. */
export interface StoredObject {
  bucket: string;
  key: string;
  bytes: number;
  sha256: string;
}

/** An object being read: its bytes arrive as the stream is read, never all at once. */
export interface OpenedObject {
  body: Readable;
  bytes: number;
}

/**
 * The bucket that holds uploads, results and claim-checked transcripts: every object encrypted at rest
 * (SSE-S3), keys always under the tenant so a key can never name another tenant's data.
 */
export interface ObjectStore {
  readonly bucket: string;
  /** Streams a body of unknown length in parts: memory stays at `queueSize` parts, whatever the size. */
  upload(
    key: string,
    body: Readable,
    options: { contentType?: string | undefined; signal?: AbortSignal | undefined },
  ): Promise<void>;
  putJson(key: string, value: Record<string, unknown>): Promise<StoredObject>;
  /** Text already written (an answer as it was sent), stored as it is. */
  putText(key: string, text: string, contentType: string): Promise<StoredObject>;
  /** The object's bytes; `undefined` when there is none. */
  getBytes(key: string, signal?: AbortSignal): Promise<Buffer | undefined>;
  /** The object as a stream, to be read once (or destroyed), and its size; `undefined` when there is none. */
  open(key: string, signal?: AbortSignal): Promise<OpenedObject | undefined>;
  /** Streams the object to a local file: its size, or `undefined` (and no file) when there is none. */
  download(key: string, path: string, signal?: AbortSignal): Promise<number | undefined>;
  exists(key: string): Promise<boolean>;
  /** A short-lived GET URL, for a provider that fetches the bytes itself. */
  presignGet(key: string, expiresInS: number): Promise<string>;
  delete(key: string): Promise<void>;
}

/** Bytes encoded between two pauses of the event loop: a few milliseconds of work. */
const ENCODE_SLICE_BYTES = 1024 * 1024;

/**
 * Text given in pieces (a value's JSON, a long answer's slices) as UTF-8 bytes, encoded a piece at a time with
 * the event loop let run between: two 16 MiB transcripts are not one quarter-second `JSON.stringify` and
 * another to encode it.
 */
async function encodePieces(pieces: Iterable<string>): Promise<Buffer> {
  const pacer = createPacer(ENCODE_SLICE_BYTES);
  const parts: Buffer[] = [];
  for (const piece of pieces) {
    const bytes = Buffer.from(piece);
    parts.push(bytes);
    if (pacer.due(bytes.length)) await yieldToLoop();
  }
  return Buffer.concat(parts);
}

/** Multipart parts: S3's minimum is 5 MiB; two in flight bound the memory an upload holds. */
const PART_BYTES = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

export function createS3ObjectStore(client: S3Client, bucket: string): ObjectStore {
  async function put(key: string, body: Buffer, contentType: string): Promise<StoredObject> {
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        ServerSideEncryption: "AES256",
      }),
    );
    return { bucket, key, bytes: body.length, sha256: createHash("sha256").update(body).digest("hex") };
  }

  return {
    bucket,
    async upload(key, body, { contentType, signal }) {
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType, ServerSideEncryption: "AES256" },
        partSize: PART_BYTES,
        queueSize: PARTS_IN_FLIGHT,
        leavePartsOnError: false,
      });
      const abort = () => void upload.abort().catch(() => undefined);
      signal?.addEventListener("abort", abort, { once: true });
      try {
        await upload.done();
      } finally {
        signal?.removeEventListener("abort", abort);
      }
    },
    async putJson(key, value) {
      return put(key, await encodePieces(jsonPieces(value)), "application/json");
    },
    async putText(key, text, contentType) {
      return put(key, await encodePieces(stringSlices(text)), contentType);
    },
    async getBytes(key, signal) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        return Buffer.from(await object.Body!.transformToByteArray());
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async open(key, signal) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        return { body: object.Body as Readable, bytes: object.ContentLength ?? 0 };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async download(key, path, signal) {
      const object = await this.open(key, signal);
      if (object === undefined) return undefined;
      const target = createWriteStream(path);
      await pipeline(object.body, target, { signal });
      return target.bytesWritten;
    },
    async exists(key) {
      try {
        await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
    presignGet(key, expiresInS) {
      return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresInS });
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}

function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name;
  return name === "NoSuchKey" || name === "NotFound";
}
