import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { randomUUID } from "node:crypto";
import { rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { serve } from "@hono/node-server";
import busboy from "busboy";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { Hono } from "hono";

/**
 * The baselines the benchmark measures the service against: the least work that does the same job.
 * - `pass-through`: a bare Node route that pipes the multipart file part straight to the Deepgram-speaking
 *   server (`DEEPGRAM_BASE_URL`) with `http.request` and returns its answer: what transcribing needs at least.
 * - `pass-through-publish`: the same, plus one event with the answer's transcript published with a bare
 *   `PutEventsCommand` to the same local endpoint (`AWS_ENDPOINT_URL`) before the answer (reported: what of
 *   the gap to the pass-through is the event every job publishes).
 * - `captions-memory`: a bare Node route that parses the multipart body with busboy in memory and answers JSON
 *   (parse only: reported, not a target).
 * - `captions-publish`: the same, plus one event published with a bare `PutEventsCommand` to the same local
 *   endpoint (`AWS_ENDPOINT_URL`) before the answer: the least work a captions job needs.
 * - `parse-body`: Hono's `c.req.parseBody()`, which holds the whole body (the memory scenario's contrast).
 * Each answers `GET /metrics` with its event loop's delay since the last read, as prom-client reports the
 * service's (same names, same 10 ms sampling), so the machine's own share of the delay can be told apart.
 */
const variant = process.argv[2] ?? "pass-through";

function answer(response: ServerResponse, status: number, body: string, type = "application/json") {
  response.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(body) });
  response.end(body);
}

const eventBridge = new EventBridgeClient({});

/** One event carrying `text`, published with a bare `PutEventsCommand`; resolves its event id. */
async function publishOne(text: string): Promise<string | undefined> {
  const detail = JSON.stringify({ interaction_id: randomUUID(), status: "completed", raw_transcript: text });
  const published = await eventBridge.send(
    new PutEventsCommand({
      Entries: [{ Source: "bench.baseline", DetailType: "BatchProcessingCompleted", Detail: detail }],
    }),
  );
  return published.Entries?.[0]?.EventId;
}

/** The Deepgram answer's transcript, published as one event before the answer is returned. */
function publishedAnswer(response: ServerResponse, status: number, body: string) {
  if (status !== 200) return answer(response, status, body);
  type ListenAnswer = { results?: { channels?: Array<{ alternatives?: Array<{ transcript?: string }> }> } };
  // Parsed inside the chain, so an answer that is not JSON is a 502 rather than an exception in an event handler.
  Promise.resolve()
    .then(() =>
      publishOne((JSON.parse(body) as ListenAnswer).results?.channels?.[0]?.alternatives?.[0]?.transcript ?? ""),
    )
    .then(
      () => answer(response, 200, body),
      () => answer(response, 502, "{}"),
    );
}

function passThrough(
  incoming: IncomingMessage,
  response: ServerResponse,
  reply: (response: ServerResponse, status: number, body: string) => void = answer,
) {
  const deepgram = new URL("/v1/listen", process.env.DEEPGRAM_BASE_URL);
  const parser = busboy({ headers: incoming.headers });
  parser.on("file", (_name, file, info) => {
    const upstream = httpRequest(
      deepgram,
      {
        method: "POST",
        headers: { Authorization: `Token ${process.env.DEEPGRAM_API_KEY}`, "Content-Type": info.mimeType },
      },
      (upstreamReply) => {
        const chunks: Buffer[] = [];
        upstreamReply.on("data", (chunk: Buffer) => chunks.push(chunk));
        upstreamReply.on("end", () =>
          reply(response, upstreamReply.statusCode ?? 502, Buffer.concat(chunks).toString("utf8")),
        );
      },
    );
    upstream.on("error", () => answer(response, 502, "{}"));
    file.pipe(upstream);
  });
  parser.on("error", () => answer(response, 400, "{}"));
  incoming.pipe(parser);
}

function captionsInMemory(incoming: IncomingMessage, response: ServerResponse) {
  const parser = busboy({ headers: incoming.headers });
  const chunks: Buffer[] = [];
  parser.on("file", (_name, file) => file.on("data", (chunk: Buffer) => chunks.push(chunk)));
  parser.on("close", () =>
    answer(response, 200, JSON.stringify({ text: Buffer.concat(chunks).toString("utf8").length })),
  );
  parser.on("error", () => answer(response, 400, "{}"));
  incoming.pipe(parser);
}

function captionsPublished(incoming: IncomingMessage, response: ServerResponse) {
  const parser = busboy({ headers: incoming.headers });
  const chunks: Buffer[] = [];
  parser.on("file", (_name, file) => file.on("data", (chunk: Buffer) => chunks.push(chunk)));
  parser.on("close", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    publishOne(text).then(
      (eventId) => answer(response, 200, JSON.stringify({ text: text.length, event: eventId })),
      () => answer(response, 502, "{}"),
    );
  });
  parser.on("error", () => answer(response, 400, "{}"));
  incoming.pipe(parser);
}

const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

function loopMetrics(response: ServerResponse) {
  const seconds = (nanoseconds: number) => nanoseconds / 1e9;
  const text = [
    `nodejs_eventloop_lag_p99_seconds ${seconds(loopDelay.percentile(99))}`,
    `nodejs_eventloop_lag_max_seconds ${seconds(loopDelay.max)}`,
    "",
  ].join("\n");
  loopDelay.reset();
  answer(response, 200, text, "text/plain");
}

function listening(port: number) {
  console.log(JSON.stringify({ msg: "listening", port }));
}

if (variant === "parse-body") {
  const app = new Hono();
  app.post("/batch/process", async (c) => {
    const path = join(tmpdir(), `baseline-${randomUUID()}`);
    try {
      const file = (await c.req.parseBody()).file as File;
      await writeFile(path, Buffer.from(await file.arrayBuffer()));
      return c.json({ ok: true });
    } finally {
      await rm(path, { force: true });
    }
  });
  const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 0), hostname: "127.0.0.1" }, (info) =>
    listening(info.port),
  );
  process.once("SIGTERM", () => server.close(() => process.exit(0)));
} else {
  const handlers: Record<string, (incoming: IncomingMessage, response: ServerResponse) => void> = {
    "captions-memory": captionsInMemory,
    "captions-publish": captionsPublished,
    "pass-through-publish": (incoming, response) => passThrough(incoming, response, publishedAnswer),
  };
  const handle = handlers[variant] ?? passThrough;
  const server = createServer((incoming, response) => {
    if (incoming.method === "POST" && incoming.url === "/batch/process") handle(incoming, response);
    else if (incoming.method === "GET" && incoming.url === "/metrics") loopMetrics(response);
    else answer(response, 404, "{}");
  });
  server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
    const address = server.address();
    listening(typeof address === "object" && address !== null ? address.port : 0);
  });
  process.once("SIGTERM", () => server.close(() => process.exit(0)));
}
