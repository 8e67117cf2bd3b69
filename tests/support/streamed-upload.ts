import { request } from "node:http";
import { BOUNDARY, MULTIPART_TYPE } from "./multipart.js";

export interface StreamedUploadOptions {
  /** The file's first bytes (e.g. a real WAV header); the rest is `filler` repeated (zeros by default). */
  head: Buffer;
  filler?: number | Buffer;
  fileBytes: number;
  /** Drop the connection once this many file bytes are sent. */
  abortAfterBytes?: number;
  /** Awaited after each chunk, so a test can look at the server while the upload is under way. */
  onProgress?: (sent: number) => void | Promise<void>;
}

/**
 * Uploads a large generated file as multipart, written chunk by chunk with backpressure, so neither side
 * needs it in memory. Resolves with the status and body, or with `aborted` when told to drop the connection.
 */
export function streamedUpload(
  url: string,
  options: StreamedUploadOptions,
): Promise<{ status: number; body: string } | "aborted"> {
  const preamble = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
  );
  const epilogue = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const chunk = Buffer.alloc(256 * 1024, options.filler ?? 0);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "Content-Type": MULTIPART_TYPE,
          "Content-Length": String(preamble.length + options.fileBytes + epilogue.length),
        },
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (text: string) => (body += text));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    req.on("error", (error) => (options.abortAfterBytes === undefined ? reject(error) : resolve("aborted")));
    void (async () => {
      const write = (data: Buffer) =>
        req.write(data) ? Promise.resolve() : new Promise<void>((done) => req.once("drain", () => done()));
      await write(preamble);
      await write(options.head);
      let sent = options.head.length;
      while (sent < options.fileBytes) {
        const size = Math.min(chunk.length, options.fileBytes - sent);
        await write(chunk.subarray(0, size));
        sent += size;
        await options.onProgress?.(sent);
        if (options.abortAfterBytes !== undefined && sent >= options.abortAfterBytes) {
          req.destroy();
          resolve("aborted");
          return;
        }
      }
      await write(epilogue);
      req.end();
    })().catch(reject);
  });
}
