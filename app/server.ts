import { mkdir } from "node:fs/promises";
import { createApp } from "./http/create-app.js";
import { loadConfigOrExit, redactConfig } from "./config.js";
import { createPublisher } from "./events/publisher-factory.js";
import { startHttpServer } from "./http/node-server.js";
import { createInFlightRequests } from "./http/middleware/in-flight-requests.js";
import { installGracefulShutdown } from "./http/graceful-shutdown.js";
import { createLogger } from "./logger.js";
import { createMetrics } from "./observability/metrics.js";
import { createCleaner, createTranscriber } from "./providers.js";
import { createTextWorkerPool } from "./text-work/text-work.js";
import { createTempFiles } from "./upload/temp-files.js";
import { createClaimCheck } from "./events/claim-check.js";
import { createAuthenticator } from "./auth/authenticator-factory.js";
import { createIdempotencyStore, createJobServices, createObjectStore } from "./jobs/job-services.js";
import { createJobSubmission } from "./jobs/job-submission.js";
import type { AsyncJobs } from "./http/routes/jobs.js";

/** With no request time limit, files this old in UPLOAD_DIR can only be an earlier process's leftovers. */
const STALE_WITHOUT_LIMIT_MS = 24 * 3600 * 1000;
/** Node's own request cut-off stays behind the app's deadline, so the app answers first. */
const NODE_BACKSTOP_MS = 10_000;

const config = loadConfigOrExit(process.env);

const logger = createLogger({ level: config.logLevel });
const transcriber = createTranscriber(config);
const textWork = createTextWorkerPool(logger);
const cleaner = createCleaner(config, textWork);
const publisher = await createPublisher(config.events, logger);
await mkdir(config.uploadDir, { recursive: true });
const tempFiles = createTempFiles(config.uploadDir);
const requestTimeoutMs = config.requestTimeoutS * 1000;
const swept = await tempFiles.sweepStale(requestTimeoutMs > 0 ? requestTimeoutMs : STALE_WITHOUT_LIMIT_MS);

logger.debug({ config: redactConfig(config), cleaner: cleaner.name, stale_uploads_removed: swept }, "configuration loaded");
if (!transcriber.configured) {
  logger.warn(
    { provider: transcriber.provider },
    `${transcriber.provider} is not configured: audio uploads answer 503 until its API key is set; captions still work`,
  );
}

// The bucket serves the claim check of the synchronous path too, with or without the rest of async jobs.
const objects = createObjectStore(config);
const jobServices = createJobServices(config, objects);
let jobs: AsyncJobs;
if ("missing" in jobServices) {
  jobs = { available: false, missing: jobServices.missing };
  logger.info({ missing: jobServices.missing }, "async jobs are off: /batch/jobs answers 503 until these are set; /batch/process works");
} else {
  const submit = createJobSubmission({ ...jobServices, retentionS: config.jobs.retentionDays * 86_400 });
  jobs = { available: true, store: jobServices.store, objects: jobServices.objects, submit };
}

const authenticator = createAuthenticator(config.auth);
if (authenticator === undefined && config.production) {
  logger.warn(
    { auth_mode: "headers" },
    "AUTH_MODE=headers: identity is not verified; any caller can claim any tenant. Set AUTH_MODE=jwt or api-key, or keep the service behind a gateway that sets the identity headers",
  );
}

const idempotencyStore = createIdempotencyStore(config, objects);
if (!idempotencyStore.durable) {
  logger.info("Idempotency-Key records are kept in this process only: set IDEMPOTENCY_TABLE when running more than one instance");
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
  jobs,
  idempotencyStore,
  ...(authenticator !== undefined && { authenticator }),
  ...(config.metricsToken !== undefined && { metricsToken: config.metricsToken }),
  ...(objects !== undefined && { claimCheck: createClaimCheck({ store: objects, source: config.events.source, maxEntryBytes: config.events.maxEntryBytes }) }),
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
  (address) => logger.info({ port: address.port, url: `http://localhost:${address.port}/` }, "listening"),
);
server.once("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EADDRINUSE") throw error;
  logger.fatal({ port: config.port }, `port ${config.port} is in use: stop what listens there, or set PORT`);
  process.exit(1);
});

installGracefulShutdown({ server, inFlight, tempFiles, graceMs: config.shutdownGraceMs, logger });
