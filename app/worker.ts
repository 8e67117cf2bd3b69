import { buildServices } from "./composition/build-services.js";
import { ENV_FILE, LOCAL_ENV_FILE, loadEnvFiles } from "./env/env-files.js";
import { readWorkerArguments, WORKER_EXIT } from "./jobs/worker-arguments.js";
import { loadConfigOrExit, redactConfig } from "./config/config.js";
import { WORK_QUEUE } from "./jobs/job-resources.js";
import { holdMs } from "./jobs/job-store.js";
import { createLogger } from "./logger.js";
import { createDeliveryQueue } from "./composition/aws-adapters.js";
import { createDeadLetterConsumer, createJobConsumer, createWebhookConsumer } from "./composition/worker-consumers.js";

/** Ending a dead-lettered job is a read and two writes: a minute hides its message long enough. */
const DEAD_LETTER_VISIBILITY_S = 60;

/**
 * The job worker: `npm run worker`, or `node dist/app/worker.js` in the image. Reads the same environment
 * as the service; needs UPLOAD_BUCKET, WORK_QUEUE_URL and JOBS_TABLE. Exit codes: 0 after a graceful
 * stop, 1 for bad configuration, 2 when the job settings are missing.
 */
readWorkerArguments(process.argv.slice(2));
// Like every tool: what the environment leaves unset comes from .env, then from dev's .env.local.
loadEnvFiles([ENV_FILE, LOCAL_ENV_FILE]);
const config = loadConfigOrExit(process.env);

const logger = createLogger({ level: config.logLevel }).child({ role: "worker" });
const services = await buildServices(config, logger);
const { jobAdapters, pipeline, tempFiles } = services;
if ("missing" in jobAdapters) {
  console.error(
    `The worker needs ${jobAdapters.missing.join(", ")} (the stack outputs uploadBucketName, workQueueUrl, jobsTableName).`,
  );
  process.exit(WORKER_EXIT.jobSettingsMissing);
}

const deliveries = createDeliveryQueue(jobAdapters, config.webhooks);
const consumerDeps = {
  sqs: jobAdapters.sqs,
  store: jobAdapters.store,
  objects: jobAdapters.objects,
  pipeline,
  tempFiles,
  deliveries,
  logger,
  publishingHoldMs: holdMs(config.events.publishTimeoutMs),
};
const timings = { visibilityTimeoutS: config.worker.visibilityTimeoutS, retryDelayS: config.worker.retryDelayS };
const consumer = createJobConsumer(
  { ...consumerDeps, queueUrl: jobAdapters.workQueueUrl },
  {
    ...timings,
    concurrency: config.worker.concurrency,
    maxReceives: WORK_QUEUE.maxReceiveCount,
    // The provider fetches the audio within its own timeout; the URL outlives it.
    presignExpiresS: config.deepgram.timeoutS + 300,
  },
);
const webhookConsumer = createWebhookConsumer(consumerDeps, config.webhooks);
const deadLetterConsumer =
  config.jobs.workDlqUrl === undefined
    ? undefined
    : createDeadLetterConsumer(
        { ...consumerDeps, queueUrl: config.jobs.workDlqUrl },
        { ...timings, visibilityTimeoutS: DEAD_LETTER_VISIBILITY_S },
      );
if (deadLetterConsumer === undefined)
  logger.warn(
    "WORK_DLQ_URL is not set: jobs whose work messages are dead-lettered stay unfinished until an operator acts",
  );
// Handlers first: until a SIGTERM listener exists the signal kills the process outright.
let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info(
      { signal, running: consumer.running, grace_ms: config.shutdownGraceMs },
      "worker stopping: finishing running jobs",
    );
    void Promise.all([consumer.stop(config.shutdownGraceMs), webhookConsumer?.stop(config.shutdownGraceMs) ?? 0]).then(
      async ([released]) => {
        logger.info(
          { released },
          released > 0 ? "worker stopped; unfinished jobs released to other workers" : "worker stopped",
        );
        await tempFiles.releaseAll();
        process.exit(0);
      },
    );
  });
}

consumer.start();
webhookConsumer?.start();
deadLetterConsumer?.start();
logger.debug({ config: redactConfig(config) }, "worker configuration");
logger.info({ concurrency: config.worker.concurrency }, "worker started");
