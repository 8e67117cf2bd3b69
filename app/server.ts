import { mkdir } from "node:fs/promises";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";
import { ConfigError, loadConfig, redactConfig } from "./config.js";
import { createPublisher } from "./events/publisher-factory.js";
import { createInFlightRequests } from "./lifecycle/in-flight-requests.js";
import { installGracefulShutdown } from "./lifecycle/graceful-shutdown.js";
import { createLogger } from "./logger.js";
import { createMetrics } from "./observability/metrics.js";
import { createCleaner, createTranscriber } from "./providers.js";

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const logger = createLogger({ level: config.logLevel });
const transcriber = createTranscriber(config);
const cleaner = createCleaner(config);
const publisher = await createPublisher(config.events, logger);
await mkdir(config.uploadDir, { recursive: true });

logger.info({ config: redactConfig(config), cleaner: cleaner.name }, "configuration loaded");
if (!transcriber.configured) {
  logger.warn(
    { provider: transcriber.provider },
    `${transcriber.provider} is not configured: audio uploads answer 503 until its API key is set; captions still work`,
  );
}

const metrics = createMetrics();
const inFlight = createInFlightRequests();
const app = createApp({
  metrics,
  inFlight,
  logger,
  transcriber,
  cleaner,
  publisher,
  identityDefaults: config.identityDefaults,
  maxUploadBytes: config.maxUploadBytes,
  maxCaptionsBytes: config.maxCaptionsBytes,
  uploadDir: config.uploadDir,
  maxConcurrentRequests: config.maxConcurrentRequests,
});

const server = serve({ fetch: app.fetch, port: config.port }, (info) => {
  logger.info({ port: info.port }, "listening");
}) as Server;
// Node cuts requests at 5 minutes by default; a long meeting can take longer to upload.
server.requestTimeout = config.requestTimeoutS * 1000;

installGracefulShutdown({ server, inFlight, graceMs: config.shutdownGraceMs, logger });
