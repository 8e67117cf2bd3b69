import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { serve } from "@hono/node-server";
import busboy from "busboy";
import { Hono } from "hono";

/**
 * The baselines the benchmark measures the service against, as the simplest Hono routes that do the same
 * I/O: `stream` pipes the multipart file to a temp file with busboy; `parse-body` uses `c.req.parseBody()`.
 */
const variant = process.argv[2] ?? "stream";
const app = new Hono();

app.post("/batch/process", async (c) => {
  const path = join(tmpdir(), `baseline-${randomUUID()}`);
  try {
    if (variant === "parse-body") {
      const body = await c.req.parseBody();
      const file = body.file as File;
      await writeFile(path, Buffer.from(await file.arrayBuffer()));
    } else {
      const parser = busboy({ headers: { "content-type": c.req.header("Content-Type") ?? "" } });
      let written: Promise<void> = Promise.resolve();
      parser.on("file", (_name, stream) => {
        written = pipeline(stream, createWriteStream(path));
        // A client that hangs up mid-upload fails both pipelines; the outer one reports it.
        written.catch(() => undefined);
      });
      await pipeline(Readable.fromWeb(c.req.raw.body!), parser);
      await written;
    }
    return c.json({ ok: true });
  } finally {
    await rm(path, { force: true });
  }
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" }, (info) => {
  console.log(JSON.stringify({ msg: "listening", port: info.port }));
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
