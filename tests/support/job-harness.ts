import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createRulesCleaner } from "../../app/cleaning/rules-cleaner.js";
import { DEFAULT_EVENT_SOURCE } from "../../app/events/batch-processing-completed.js";
import { createClaimCheck } from "../../app/events/claim-check.js";
import { type EventPublisher } from "../../app/events/event-publisher.js";
import { createEventBridgePublisher } from "../../app/events/eventbridge-publisher.js";
import type { AppDeps } from "../../app/http/server/create-app.js";
import type { Authenticator } from "../../app/auth/authenticator.js";
import { createDynamoIdempotencyStore } from "../../app/idempotency/dynamo-idempotency-store.js";
import { createDynamoJobStore, holdMs, type JobStore } from "../../app/jobs/job-store.js";
import { createJobSubmission } from "../../app/jobs/job-submission.js";
import type { WorkConsumer } from "../../app/jobs/work-consumer.js";
import {
  createDeadLetterConsumer,
  createJobConsumer,
  createWebhookConsumer,
} from "../../app/composition/worker-consumers.js";
import { createSqsWorkQueue, type WorkQueue } from "../../app/jobs/work-queue.js";
import { createMetrics } from "../../app/observability/metrics.js";
import { composeServices } from "../../app/composition/build-services.js";
import { optionPolicyFor } from "./option-policies.js";
import { createS3ObjectStore, type ObjectStore } from "../../app/storage/object-store.js";
import { inlineTextWork } from "../../app/text-work/text-work.js";
import type { Transcriber } from "../../app/transcription/transcriber.js";
import { unconfiguredTranscriber } from "../../app/transcription/transcriber.js";
import { createTempFiles } from "../../app/upload/temp-files.js";
import { jobNames } from "../../infra/job-settings.js";
import { provisionLocalJobs, type JobOutputs } from "../../tools/local-job-provisioner.js";
import { captureLogger } from "./capture-logger.js";
import { awsClients, createTestPipeline, type TestPipeline } from "./moto.js";
import { buildTestApp, uploadForm } from "./test-app.js";
import { createSqsDeliveryQueue } from "../../app/webhooks/delivery-queue.js";

/** Queue timings of the workers here: a redelivery takes a second, not minutes. */
const TEST_TIMINGS = { visibilityTimeoutS: 6, retryDelayS: 1, waitTimeSeconds: 1 };
const PUBLISH_BUDGET_MS = 5_000;
/** How long a job is held from deletion while its event is published, as the service derives it. */
const PUBLISHING_HOLD_MS = holdMs(PUBLISH_BUDGET_MS);

/** The ports a worker runs on; a test may wrap any of them to inject a fault. */
export interface WorkerPorts {
  store: JobStore;
  objects: ObjectStore;
  publisher: EventPublisher;
  transcriber: Transcriber;
}

export interface JobHarnessOptions {
  transcriber?: Transcriber;
  maxCaptionsBytes?: number;
  maxEntryBytes?: number;
  /** `Idempotency-Key` records in the emulator's idempotency table (else in the API's memory). */
  durableIdempotency?: boolean;
  /** Verifies credentials at the API (AUTH_MODE jwt or api-key). */
  authenticator?: Authenticator;
  /** Webhooks: the signing secrets and retry settings the workers deliver with (private targets allowed). */
  webhooks?: {
    secret?: string;
    tenantSecrets?: Record<string, string>;
    maxAttempts?: number;
    retryBaseS?: number;
    maxInlineBytes?: number;
  };
  /** Wraps the API's ports (to make a submission step fail). */
  api?: (ports: { store: JobStore; queue: WorkQueue; objects: ObjectStore }) => {
    store: JobStore;
    queue: WorkQueue;
    objects: ObjectStore;
  };
}

/**
 * The API and workers as they run in production, in this process, against moto_server: the real bucket,
 * jobs table, work queue, EventBridge rule and transcripts queue, with short visibility timeouts so a
 * redelivery takes a second, not minutes.
 */
export async function startJobHarness(options: JobHarnessOptions = {}) {
  const clients = awsClients();
  const events: TestPipeline = await createTestPipeline(clients);
  const outputs: JobOutputs = await provisionLocalJobs({ ...clients, names: jobNames({ prefix: "test" }) });
  const store = createDynamoJobStore(clients.dynamodb, outputs.jobsTableName);
  const objects = createS3ObjectStore(clients.s3, outputs.uploadBucketName);
  const queue = createSqsWorkQueue(clients.sqs, outputs.workQueueUrl);
  const maxEntryBytes = options.maxEntryBytes ?? 256 * 1024;
  const publisher = createEventBridgePublisher({
    client: clients.eventBridge,
    busName: "default",
    source: DEFAULT_EVENT_SOURCE,
    budgetMs: PUBLISH_BUDGET_MS,
    attemptTimeoutMs: 2_000,
    maxEntryBytes,
  });
  const claimCheck = (store: ObjectStore) => createClaimCheck({ store, source: DEFAULT_EVENT_SOURCE, maxEntryBytes });
  const transcriber = options.transcriber ?? unconfiguredTranscriber("deepgram", "nova-3", "DEEPGRAM_API_KEY");
  const maxCaptionsBytes = options.maxCaptionsBytes ?? 1024 * 1024;
  const apiPorts = options.api?.({ store, queue, objects }) ?? { store, queue, objects };

  /** A store on the shared table, as each API instance (or a restarted one) has its own. */
  const idempotencyStore = () =>
    createDynamoIdempotencyStore(clients.dynamodb, outputs.idempotencyTableName, { ttlS: 3600, objects });

  const jobs: AppDeps["jobs"] = {
    available: true,
    store: apiPorts.store,
    objects: apiPorts.objects,
    submit: createJobSubmission({ ...apiPorts, retentionS: 86_400 }),
    maxHoldMs: PUBLISHING_HOLD_MS,
  };
  const api = await buildTestApp({
    publisher,
    transcriber,
    jobs,
    claimCheck: claimCheck(objects),
    maxCaptionsBytes,
    maxUploadBytes: 64 * 1024 * 1024,
    ...(options.authenticator && { authenticator: options.authenticator }),
    ...(options.durableIdempotency && { idempotencyStore: idempotencyStore() }),
    webhooks: { allowPrivate: true, missing: options.webhooks === undefined ? ["WEBHOOK_SECRET"] : [] },
  });
  const deliveries = createSqsDeliveryQueue(clients.sqs, outputs.webhookQueueUrl);

  const workerDir = await mkdtemp(join(tmpdir(), "batch-worker-"));
  const workerLogs = captureLogger();
  const consumers: WorkConsumer[] = [];

  function startWorker(wrap: (ports: WorkerPorts) => WorkerPorts = (ports) => ports, concurrency = 2): WorkConsumer {
    const ports = wrap({ store, objects, publisher, transcriber });
    const tempFiles = createTempFiles(workerDir);
    const { pipeline } = composeServices(
      {
        logger: workerLogs.logger,
        transcriber: ports.transcriber,
        optionPolicy: optionPolicyFor(ports.transcriber),
        cleaner: createRulesCleaner(),
        publisher: ports.publisher,
        textWork: inlineTextWork(),
        tempFiles,
        objects: ports.objects,
        claimCheck: claimCheck(ports.objects),
        jobAdapters: {
          store: ports.store,
          queue,
          objects: ports.objects,
          sqs: clients.sqs,
          workQueueUrl: outputs.workQueueUrl,
        },
        idempotencyStore: idempotencyStore(),
      },
      { maxCaptionsBytes, metrics: createMetrics({ defaultMetrics: false }) },
    );
    const consumer = createJobConsumer(
      {
        sqs: clients.sqs,
        queueUrl: outputs.workQueueUrl,
        store: ports.store,
        objects: ports.objects,
        pipeline,
        tempFiles,
        deliveries,
        logger: workerLogs.logger,
        publishingHoldMs: PUBLISHING_HOLD_MS,
      },
      { ...TEST_TIMINGS, concurrency, maxReceives: 3, presignExpiresS: 600 },
    );
    consumer.start();
    consumers.push(consumer);
    if (options.webhooks !== undefined) consumers.push(startDeliveries(ports, options.webhooks));
    return consumer;
  }

  /** A worker's consumer of the work DLQ: it ends the jobs dead-lettered there. */
  function startDeadLetters(): WorkConsumer {
    const { pipeline } = composeServices(
      {
        logger: workerLogs.logger,
        transcriber,
        optionPolicy: optionPolicyFor(transcriber),
        cleaner: createRulesCleaner(),
        publisher,
        textWork: inlineTextWork(),
        tempFiles: createTempFiles(workerDir),
        objects,
        jobAdapters: { store, queue, objects, sqs: clients.sqs, workQueueUrl: outputs.workQueueUrl },
        idempotencyStore: idempotencyStore(),
      },
      { maxCaptionsBytes, metrics: createMetrics({ defaultMetrics: false }) },
    );
    const deadLetters = createDeadLetterConsumer(
      {
        sqs: clients.sqs,
        queueUrl: outputs.workDlqUrl,
        store,
        pipeline,
        deliveries,
        logger: workerLogs.logger,
        publishingHoldMs: PUBLISHING_HOLD_MS,
      },
      TEST_TIMINGS,
    );
    deadLetters.start();
    consumers.push(deadLetters);
    return deadLetters;
  }

  /** A worker's webhook deliveries, with retries a second or two apart instead of minutes. */
  function startDeliveries(ports: WorkerPorts, webhooks: NonNullable<JobHarnessOptions["webhooks"]>): WorkConsumer {
    const deliveriesConsumer = createWebhookConsumer(
      { sqs: clients.sqs, store: ports.store, objects: ports.objects, logger: workerLogs.logger },
      {
        queueUrl: outputs.webhookQueueUrl,
        secret: webhooks.secret,
        tenantSecrets: webhooks.tenantSecrets ?? {},
        maxAttempts: webhooks.maxAttempts ?? 3,
        retryBaseS: webhooks.retryBaseS ?? 1,
        maxInlineBytes: webhooks.maxInlineBytes ?? 256 * 1024,
        allowPrivate: true,
        publicBaseUrl: "https://transcripts.example.com",
      },
      { tryTimeoutMs: 2_000, waitTimeSeconds: TEST_TIMINGS.waitTimeSeconds },
    )!;
    deliveriesConsumer.start();
    return deliveriesConsumer;
  }

  return {
    clients,
    events,
    outputs,
    store,
    objects,
    app: api.app,
    /** Another API instance on the same AWS resources (a second replica, or the first after a restart). */
    anotherApi: () =>
      buildTestApp({
        publisher,
        transcriber,
        jobs,
        claimCheck: claimCheck(objects),
        maxCaptionsBytes,
        maxUploadBytes: 64 * 1024 * 1024,
        idempotencyStore: idempotencyStore(),
      }),
    apiLogs: api.logs,
    workerLogs,
    startWorker,
    startDeadLetters,
    /** Polls `GET /batch/jobs/{id}` until the job is finished (or the time is up). */
    async finished(
      location: string,
      headers: Record<string, string> = {},
      timeoutMs = 30_000,
    ): Promise<Record<string, unknown>> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const body = (await (await api.app.request(location, { headers })).json()) as Record<string, unknown>;
        if (body.status === "completed" || body.status === "failed") return body;
        if (Date.now() > deadline)
          throw new Error(`job at ${location} still ${String(body.status)} after ${timeoutMs} ms`);
        await sleep(200);
      }
    },
    async stop() {
      await Promise.all(consumers.map((consumer) => consumer.stop(5_000)));
      await api.dispose();
      await rm(workerDir, { recursive: true, force: true });
    },
  };
}

export type JobHarness = Awaited<ReturnType<typeof startJobHarness>>;

/** Submits `content` as a job of `tenant` (`POST /batch/jobs`, accepted with 202) and resolves its id. */
export async function submitJob(
  harness: JobHarness,
  content: string | Uint8Array,
  filename: string,
  tenant: string,
): Promise<string> {
  const response = await harness.app.request("/batch/jobs", {
    method: "POST",
    body: uploadForm(content, filename),
    headers: { "X-Tenant-ID": tenant },
  });
  if (response.status !== 202) throw new Error(`job not accepted: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { interaction_id: string }).interaction_id;
}
