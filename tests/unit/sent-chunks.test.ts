import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { setImmediate as nextTurn } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeStreamFetch } from "../../app/transcription/node-stream-fetch.js";
import { fileToSend, freedOnceSent, ownsItsBuffer, sendBody } from "../../app/transcription/sent-chunks.js";
import { listenOnLoopback, type LocalServer } from "../support/local-server.js";

const MiB = 1024 * 1024;
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** A writable that holds each write's callback until the test completes it, as a slow socket would. */
function heldWritable(highWaterMark = 16 * 1024) {
  const writes: Array<{ chunk: Buffer; done: (error?: Error) => void }> = [];
  const writable = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      writes.push({ chunk, done });
    },
  });
  // Its failures are the test's to cause; the sender's owner (the request) listens for them.
  writable.on("error", () => undefined);
  return { writable, writes };
}

/** Every chunk the stream emits, seen by a listener of its own beside the sender. */
function seenChunks(stream: Readable) {
  const seen: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => seen.push(chunk));
  return seen;
}

const fresh = (bytes: number, fill: number) => Buffer.from(new Uint8Array(bytes).fill(fill).buffer);

describe("sendBody: a stored file's chunks freed once sent", () => {
  let directory: string;
  let server: LocalServer;
  const received: string[] = [];

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "sent-chunks-"));
    server = await listenOnLoopback((request, response) => {
      const hash = createHash("sha256");
      request.on("data", (chunk: Buffer) => hash.update(chunk));
      request.on("end", () => {
        received.push(hash.digest("hex"));
        response.end("{}");
      });
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(directory, { recursive: true, force: true });
  });

  it("sends every byte of a file of many chunks to a real server, then has freed every chunk", async () => {
    const content = randomBytes(4 * MiB + 123);
    const path = join(directory, "upload.bin");
    await writeFile(path, content);
    const body = fileToSend(path);
    const seen = seenChunks(body);

    const response = await nodeStreamFetch()(server.url, {
      method: "POST",
      headers: { "Content-Length": String(content.length) },
      body: body as never,
    });

    expect(response.status).toBe(200);
    expect(received.at(-1)).toBe(sha256(content));
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.filter((chunk) => chunk.buffer.byteLength === 0)).toHaveLength(seen.length);
  });

  it("frees a chunk only once its write has completed, and never one whose write failed", async () => {
    const chunks = [fresh(1000, 1), fresh(1000, 2), fresh(1000, 3)];
    const { writable, writes } = heldWritable(1);
    sendBody(freedOnceSent(Readable.from(chunks)), writable);
    await expect.poll(() => writes.length).toBe(1);

    expect(chunks.map((chunk) => chunk.length)).toEqual([1000, 1000, 1000]);
    writes[0]!.done();
    await expect.poll(() => writes.length).toBe(2);
    expect(chunks.map((chunk) => chunk.length)).toEqual([0, 1000, 1000]);

    writes[1]!.done(new Error("connection reset"));
    expect(chunks[1]!.length).toBe(1000);
  });

  it("sends in order with backpressure: nothing past the writer's buffer is read until it drains", async () => {
    const chunks = Array.from({ length: 8 }, (_, index) => fresh(64 * 1024, index));
    const body = freedOnceSent(Readable.from(chunks, { highWaterMark: 1 }));
    const { writable, writes } = heldWritable(64 * 1024);
    sendBody(body, writable);
    await expect.poll(() => writes.length).toBe(1);
    expect(body.isPaused()).toBe(true);

    let completed = 0;
    while (completed < chunks.length) {
      await expect.poll(() => writes.length).toBe(completed + 1);
      // A chunk's bytes are intact while its write is under way.
      expect(writes[completed]!.chunk.equals(Buffer.alloc(64 * 1024, completed))).toBe(true);
      writes[completed]!.done();
      completed += 1;
    }
    await once(writable, "finish");
    expect(chunks.every((chunk) => chunk.length === 0)).toBe(true);
  });

  it("leaves a chunk that shares its array buffer (Node's pool) to the collector, without a throw", async () => {
    const pooled = [Buffer.from("pooled chunk one"), Buffer.from("pooled chunk two")];
    expect(pooled.some(ownsItsBuffer)).toBe(false);
    const written: string[] = [];
    const writable = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString());
        done();
      },
    });
    sendBody(freedOnceSent(Readable.from(pooled)), writable);
    await once(writable, "finish");
    expect(written).toEqual(["pooled chunk one", "pooled chunk two"]);
    expect(pooled.map(String)).toEqual(["pooled chunk one", "pooled chunk two"]);
  });

  it("frees nothing of a stream it was not told owns its chunks: it is piped as it is", async () => {
    const chunks = [fresh(1000, 1), fresh(1000, 2)];
    const writable = new Writable({ write: (_chunk, _encoding, done) => done() });
    sendBody(Readable.from(chunks), writable);
    await once(writable, "finish");
    expect(chunks.map((chunk) => chunk.length)).toEqual([1000, 1000]);
  });

  it("stops when told: nothing more is written and the writer is not ended", async () => {
    const chunks = Array.from({ length: 4 }, (_, index) => fresh(1000, index));
    const body = freedOnceSent(Readable.from(chunks, { highWaterMark: 1 }));
    const { writable, writes } = heldWritable(1);
    const stop = sendBody(body, writable);
    await expect.poll(() => writes.length).toBe(1);
    stop();
    writes[0]!.done();
    await nextTurn();
    expect(writes).toHaveLength(1);
    expect(writable.writableEnded).toBe(false);
    expect(body.listenerCount("data")).toBe(0);
  });

  it("stops when the writer is destroyed, leaving the chunks it had not sent", async () => {
    const chunks = Array.from({ length: 4 }, (_, index) => fresh(1000, index));
    const body = freedOnceSent(Readable.from(chunks, { highWaterMark: 1 }));
    const { writable, writes } = heldWritable(1);
    sendBody(body, writable);
    await expect.poll(() => writes.length).toBe(1);
    const closed = new Promise((resolve) => writable.once("close", resolve));
    writable.destroy(new Error("socket hang up"));
    await closed;
    expect(body.listenerCount("data")).toBe(0);
    expect(chunks.slice(1).map((chunk) => chunk.length)).toEqual([1000, 1000, 1000]);
  });
});
