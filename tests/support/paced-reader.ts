import { request as httpRequest } from "node:http";

export interface PacedRead {
  port: number;
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** The reader pauses each time it has taken this many bytes more... */
  everyBytes: number;
  /** ...for this long: a client that keeps reading, slowly. */
  pauseMs: number;
}

/**
 * Sends one request on a connection of its own and reads the answer with pauses, as a slow but steady client.
 * Resolves with what arrived and whether the answer was complete (false when the server cut it).
 */
export function readWithPauses(read: PacedRead): Promise<{ body: Buffer; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { port: read.port, host: "127.0.0.1", path: read.path, method: read.method ?? "GET", agent: false },
      (answer) => {
        const chunks: Buffer[] = [];
        let sincePause = 0;
        const done = (complete: boolean) => resolve({ body: Buffer.concat(chunks), complete });
        answer.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          sincePause += chunk.length;
          if (sincePause < read.everyBytes) return;
          sincePause = 0;
          answer.pause();
          setTimeout(() => answer.resume(), read.pauseMs);
        });
        answer.once("end", () => done(answer.complete));
        answer.once("aborted", () => done(false));
        answer.once("error", () => done(false));
      },
    );
    outgoing.once("error", reject);
    for (const [name, value] of Object.entries(read.headers ?? {})) outgoing.setHeader(name, value);
    outgoing.end(read.body);
  });
}
