import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import { expect } from "vitest";
import type { Transcriber } from "../../app/transcription/transcriber.js";
import { listenOnLoopback } from "./local-server.js";
import { descriptorsOf } from "./open-descriptors.js";
import { transcribeAsIs } from "./option-policies.js";

const FILE_BYTES = 3 * 1024 * 1024;

/**
 * Transcribes a stored 3 MiB file through `make`'s transcriber (two attempts) against a provider that hangs
 * up after 64 KiB of each request, as a connection reset mid-upload does; then expects the transcription to
 * fail after both attempts and the process to hold no descriptor of the file.
 */
export async function expectCutShortAttemptsToLetGoOfTheFile(
  make: (baseUrl: string) => Transcriber,
  mime: string,
  log: Logger,
): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), "cut-short-"));
  const hangingUp = await listenOnLoopback((request) => {
    let read = 0;
    request.on("data", (chunk: Buffer) => {
      read += chunk.length;
      if (read >= 64 * 1024) request.socket.destroy();
    });
  });
  try {
    const path = join(directory, "meeting");
    await writeFile(path, randomBytes(FILE_BYTES));
    await expect(transcribeAsIs(make(hangingUp.url), { path, bytes: FILE_BYTES, mime }, log)).rejects.toMatchObject({
      code: "provider_failed",
      details: { attempts: 2 },
    });
    await expect.poll(() => descriptorsOf(path), { timeout: 10_000 }).toEqual([]);
  } finally {
    await hangingUp.close();
    await rm(directory, { recursive: true, force: true });
  }
}
