import { createReadStream } from "node:fs";
import type { Writable, Readable } from "node:stream";

/** Marks a stream whose chunks nothing else holds, so each may be freed as soon as it has been sent. */
const freesSent = Symbol("freesSent");

type FreeingStream = Readable & { [freesSent]: true };

/** Whether the chunk fills an array buffer of its own, which may then be moved to a worker rather than copied. */
export function ownsItsBuffer(chunk: Uint8Array): chunk is Uint8Array<ArrayBuffer> {
  return chunk.buffer instanceof ArrayBuffer && chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
}

/**
 * Frees a chunk's memory now rather than when V8 next collects (a stream of them allocates little else, so
 * about 64 MiB of spent chunks would build up first). Only a chunk that fills an array buffer of its own:
 * one that Node will not let go (its shared pool) is left to the collector.
 */
function free(chunk: Buffer): void {
  if (!ownsItsBuffer(chunk)) return;
  try {
    chunk.buffer.transfer(0);
  } catch {
    // Not detachable: the collector frees it as before.
  }
}

/** Marks `stream` as the only holder of its chunks: `sendBody` frees each once it is sent. */
export function freedOnceSent(stream: Readable): Readable {
  return Object.assign(stream, { [freesSent]: true as const });
}

/** A stored file read to be sent: Node reads every chunk into a fresh buffer that only its reader holds. */
export const fileToSend = (path: string): Readable => freedOnceSent(createReadStream(path));

const freesSentChunks = (body: Readable): body is FreeingStream => (body as Partial<FreeingStream>)[freesSent] === true;

/**
 * Writes `body` into `to` with backpressure, as `pipe` does, and returns how to stop (the rest is not sent). A
 * stream from `fileToSend` has each chunk freed once `to` has handed it on: its write callback, without an
 * error, says the bytes have left the chunk, never sooner.
 */
export function sendBody(body: Readable, to: Writable): () => void {
  if (!freesSentChunks(body)) {
    body.pipe(to);
    return () => void body.unpipe(to);
  }
  const resume = () => void body.resume();
  const onData = (chunk: Buffer) => {
    const more = to.write(chunk, (error) => {
      if (error === undefined || error === null) free(chunk);
    });
    if (!more) {
      body.pause();
      to.once("drain", resume);
    }
  };
  const onEnd = () => void to.end();
  const stop = () => {
    body.off("data", onData);
    body.off("end", onEnd);
    to.off("drain", resume);
    to.off("close", stop);
    body.pause();
  };
  body.on("data", onData);
  body.once("end", onEnd);
  to.once("close", stop);
  return stop;
}
