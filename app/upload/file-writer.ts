import { createWriteStream } from "node:fs";
import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";

/**
 * What a file writer buffers before the upload waits for the disk. With the default 16 KiB every 64 KiB
 * chunk waited for its own write, so the disk's latency paced the upload (16 MiB uploads: 13 requests/s
 * against 20 with 1 MiB, whose chunks go out in one `writev`); 4 MiB was no faster and doubled the p99.
 */
export const FILE_WRITE_BUFFER_BYTES = 1024 * 1024;

/**
 * How many bytes of chunks a file writer gathers into one write. Each write is a trip through libuv's thread
 * pool: written as they came, a 16 MiB upload's 64 KiB chunks took 55 trips, gathered 31 (16 MiB uploads +5%).
 */
export const FILE_WRITE_BATCH_BYTES = 256 * 1024;

/**
 * Settles once the stream has room again or has closed (as it does after an error). Both listeners go once
 * either fires, or every full buffer would leave one behind; plain listeners rather than `events.once` with an
 * abort signal, whose abort built an `AbortError` and a `DOMException` on every wait (16 MiB uploads wait often).
 */
function drainedOrClosed(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const settle = () => {
      stream.off("drain", settle);
      stream.off("close", settle);
      resolve();
    };
    stream.on("drain", settle);
    stream.on("close", settle);
  });
}

/** A file written chunk by chunk, waiting when its buffer is full; an error (ENOSPC) fails the next write. */
export function fileWriter(path: string) {
  const target = createWriteStream(path, { highWaterMark: FILE_WRITE_BUFFER_BYTES });
  const failure: { error?: Error } = {};
  // Listened to from the start: an error between writes must not go unhandled.
  target.on("error", (error) => (failure.error = error));
  const check = () => {
    if (failure.error !== undefined) throw failure.error;
  };
  let gathered = 0;
  return {
    target,
    async write(chunk: Buffer): Promise<void> {
      check();
      if (gathered === 0) target.cork();
      gathered += chunk.length;
      const room = target.write(chunk);
      // Uncorked before any wait too: a full buffer drains only once what it gathered is written.
      if (gathered >= FILE_WRITE_BATCH_BYTES || !room) {
        gathered = 0;
        target.uncork();
      }
      if (!room) await drainedOrClosed(target);
      check();
    },
    async end(): Promise<void> {
      check();
      target.end();
      await finished(target);
    },
  };
}
