import { mkdir } from "node:fs/promises";
import { createApp } from "./http/create-app.js";
import { ConfigError, loadConfig, redactConfig } from "./config.js";
import { createPublisher } from "./events/publisher-factory.js";
import { startHttpServer } from "./http/node-server.js";
import { createInFlightRequests } from "./http/middleware/in-flight-requests.js";
import { installGracefulShutdown } from "./http/graceful-shutdown.js";
import { createLogger } from "./logger.js";
import { createMetrics } from "./observability/metrics.js";
import { createCleaner, createTranscriber } from "./providers.js";
import { createTextWorkerPool } from "./text/text-work.js";
import { createTempFiles } from "./upload/temp-files.js";

/** With no request time limit, files this old in UPLOAD_DIR can only be an earlier process's leftovers. */
const STALE_WITHOUT_LIMIT_MS = 24 * 3600 * 1000;
/** Node's own request cut-off stays behind the app's deadline, so the app answers first. */
const NODE_BACKSTOP_MS = 10_000;

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
const textWork = createTextWorkerPool();
const cleaner = createCleaner(config, textWork);
const publisher = await createPublisher(config.events, logger);
await mkdir(config.uploadDir, { recursive: true });
const tempFiles = createTempFiles(config.uploadDir);
const requestTimeoutMs = config.requestTimeoutS * 1000;
const swept = await tempFiles.sweepStale(requestTimeoutMs > 0 ? requestTimeoutMs : STALE_WITHOUT_LIMIT_MS);

logger.info({ config: redactConfig(config), cleaner: cleaner.name, stale_uploads_removed: swept }, "configuration loaded");
if (!transcriber.configured) {
  logger.warn(
    { provider: transcriber.provider },
    `${transcriber.provider} is not configured: audio uploads answer 503 until its API key is set; captions still work`,
  );
}

const metrics = createMetrics({ publishingState: () => publisher.state });
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
  tempFiles,
  textWork,
  uploadIdleTimeoutMs: config.uploadIdleTimeoutS * 1000,
  requestTimeoutMs,
  minFreeDiskBytes: config.minFreeDiskBytes,
  maxConcurrentRequests: config.maxConcurrentRequests,
});

const server = startHttpServer(
  {
    fetch: app.fetch,
    port: config.port,
    timeouts: {
      headersMs: config.headersTimeoutS * 1000,
      keepAliveMs: config.keepAliveTimeoutS * 1000,
      requestMs: requestTimeoutMs > 0 ? requestTimeoutMs + NODE_BACKSTOP_MS : 0,
    },
  },
  (address) => logger.info({ port: address.port }, "listening"),
);

installGracefulShutdown({ server, inFlight, tempFiles, graceMs: config.shutdownGraceMs, logger });
