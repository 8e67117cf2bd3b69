import { asyncJobs } from "./composition/adapters.js";
import { ENV_FILE, loadEnvFiles } from "./env/env-files.js";
import { buildServices } from "./composition/build-services.js";
import { loadConfigOrExit, redactConfig } from "./config/config.js";
import { createApp } from "./http/server/create-app.js";
import { installGracefulShutdown } from "./http/server/graceful-shutdown.js";
import { createInFlightRequests } from "./http/middleware/in-flight-requests.js";
import { startHttpServer } from "./http/server/node-server.js";
import { createLogger } from "./logger.js";
import { missingWebhookSettings } from "./webhooks/webhook-settings.js";

/** With no request time limit, files this old in UPLOAD_DIR can only be an earlier process's leftovers. */
const STALE_WITHOUT_LIMIT_MS = 24 * 3600 * 1000;
/** Node's own request cut-off stays behind the app's deadline, so the app answers first. */
const NODE_BACKSTOP_MS = 10_000;
/** An upload's rate is judged over windows this long (the first one is its grace). */
const MIN_RATE_WINDOW_MS = 30_000;

// What the environment leaves unset comes from .env (absent in the image: only the environment counts there).
loadEnvFiles([ENV_FILE]);
const config = loadConfigOrExit(process.env);
const logger = createLogger({ level: config.logLevel });
const services = await buildServices(config, logger);
const { transcriber, cleaner, tempFiles, authenticator, idempotencyStore } = services;
const requestTimeoutMs = config.requestTimeoutS * 1000;
const swept = await tempFiles.sweepStale(requestTimeoutMs > 0 ? requestTimeoutMs : STALE_WITHOUT_LIMIT_MS);

logger.debug(
  { config: redactConfig(config), cleaner: cleaner.name, stale_uploads_removed: swept },
  "configuration loaded",
);
if (!transcriber.configured) {
  logger.warn(
    { provider: transcriber.provider },
    `${transcriber.provider} is not configured: audio uploads answer 503 until its API key is set; captions still work`,
  );
}
const jobs = asyncJobs(services.jobAdapters, {
  retentionDays: config.jobs.retentionDays,
  publishBudgetMs: config.events.publishTimeoutMs,
});
if (!jobs.available) {
  logger.info(
    { missing: jobs.missing },
    "async jobs are off: /batch/jobs answers 503 until these are set; /batch/process works",
  );
}
if (authenticator === undefined && config.production) {
  logger.warn(
    { auth_mode: "headers" },
    "AUTH_MODE=headers: identity is not verified; any caller can claim any tenant. Set " +
      "AUTH_MODE=jwt or api-key, or keep the service behind a gateway that sets the identity " +
      "headers",
  );
}
if (jobs.available && config.jobs.cursorSigningKey === undefined) {
  logger.info(
    "job-list cursors are signed with this process's own key: set CURSOR_SIGNING_KEY for more than one instance",
  );
}
if (config.webhooks.allowPrivate && config.production) {
  logger.warn(
    { webhook_allow_private: true },
    "WEBHOOK_ALLOW_PRIVATE=true: callbacks may reach http, loopback and private addresses; for development and tests only",
  );
}
if (!idempotencyStore.durable) {
  logger.info(
    "Idempotency-Key records are kept in this process only: set IDEMPOTENCY_TABLE when running more than one instance",
  );
}

const inFlight = createInFlightRequests();
const app = createApp({
  ...services,
  inFlight,
  jobs,
  metricsToken: config.metricsToken,
  identityDefaults: config.identityDefaults,
  maxUploadBytes: config.maxUploadBytes,
  maxCaptionsBytes: config.maxCaptionsBytes,
  maxTranscriptJsonBytes: config.maxTranscriptJsonBytes,
  maxTextInMemoryBytes: config.maxTextInMemoryBytes,
  uploadIdleTimeoutMs: config.uploadIdleTimeoutS * 1000,
  minUploadRate: { bytesPerS: config.minUploadBytesPerS, windowMs: MIN_RATE_WINDOW_MS },
  requestTimeoutMs,
  minFreeDiskBytes: config.minFreeDiskBytes,
  maxConcurrentRequests: config.maxConcurrentRequests,
  maxConcurrentRequestsPerTenant: config.maxConcurrentRequestsPerTenant,
  webhooks: { allowPrivate: config.webhooks.allowPrivate, missing: missingWebhookSettings(config.webhooks) },
});

const server = startHttpServer(
  {
    fetch: app.fetch,
    port: config.port,
    ...(config.host !== undefined && { hostname: config.host }),
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
