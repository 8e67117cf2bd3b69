import { Hono } from "hono";
import type { Authenticator } from "../../auth/authenticator.js";
import type { IdempotencyStore } from "../../idempotency/idempotency-store.js";
import type { AsyncJobs } from "../../jobs/async-jobs.js";
import { jobRoutes } from "../routes/jobs.js";
import { createJobDeletion } from "../../jobs/job-deletion.js";
import type { JobRouteDeps } from "../upload/job-acceptance.js";
import type { Cleaner } from "../../cleaning/cleaner.js";
import { identity } from "../middleware/identity.js";
import { interaction } from "../middleware/interaction.js";
import type { IdentityDefaults } from "../identity/identity.js";
import type { EventPublisher } from "../../events/event-publisher.js";
import { accessLog } from "../middleware/access-log.js";
import { responseHeaders } from "../middleware/response-headers.js";
import { unreadAnswerLimit } from "../middleware/unread-answer-limit.js";
import type { AppEnv, Admission, UploadAdmission } from "./app-env.js";
import { createUploadPacing, pacedUploads, type UploadPacing } from "./upload-pacing.js";
import { createTextBudget } from "./text-budget.js";
import { handleError, problemResponse } from "./error-handler.js";
import { tenantShare, type InFlightRequests } from "../middleware/in-flight-requests.js";
import type { Logger } from "../../logger.js";
import type { Metrics } from "../../observability/metrics.js";
import type { BatchPipeline } from "../../pipeline/batch-pipeline.js";
import { ApiError } from "../contract/problem.js";
import { batchRoutes } from "../routes/batch.js";
import { subtitleRoutes } from "../routes/subtitles.js";
import type { TextWork } from "../../text-work/text-work.js";
import type { MinUploadRate } from "../upload/arrival-watch.js";
import { metricsRoutes } from "../routes/metrics.js";
import { problemRoutes } from "../routes/problems.js";
import { webRoutes } from "../routes/web.js";
import { healthRoutes } from "../routes/health.js";
import { documentationRoutes } from "../routes/documentation.js";
import type { Transcriber } from "../../transcription/transcriber.js";
import type { OptionPolicy } from "../../transcription/requested-options.js";
import type { TempFiles } from "../../upload/temp-files.js";

/** An `Idempotency-Key` claim's lease: how long a crashed instance's key stays blocked, at most. */
export const IDEMPOTENCY_LEASE_S = 30;

export interface AppDeps {
  logger: Logger;
  /** The one pipeline, built by the composition root. */
  pipeline: BatchPipeline;
  metrics: Metrics;
  /** Read by the readiness check. */
  transcriber: Transcriber;
  /** Writes subtitles of transcripts sent back as JSON, off the event loop. */
  textWork: TextWork;
  /** Checks each upload's transcription options (query parameters) before its body is read. */
  optionPolicy: OptionPolicy;
  cleaner: Cleaner;
  publisher: EventPublisher;
  tempFiles: TempFiles;
  /** Async jobs (S3, SQS, DynamoDB), or the variables missing for them (the job routes answer 503 `async_unavailable`). */
  jobs: AsyncJobs;
  /** Where `Idempotency-Key` records live. */
  idempotencyStore: IdempotencyStore;
  /** Verifies credentials (`AUTH_MODE` jwt or api-key); absent: the trusted-header chain. */
  authenticator?: Authenticator | undefined;
  identityDefaults: IdentityDefaults;
  maxUploadBytes: number;
  maxCaptionsBytes: number;
  /** The largest transcript answer `POST /batch/subtitles` takes (it is parsed whole). */
  maxTranscriptJsonBytes: number;
  /** Captions and transcripts for subtitles held in memory at once, by size; more wait their turn. */
  maxTextInMemoryBytes: number;
  /** How long a request waits for room in that budget before it is refused (503 or 429); absent: a minute. */
  textWaitMs?: number | undefined;
  /** A body that sends nothing this long is refused (408); an answer its client reads nothing of this long, dropped. */
  uploadIdleTimeoutMs: number;
  /** A body slower than this is refused with 408 `upload_too_slow`; absent: no minimum. */
  minUploadRate?: MinUploadRate | undefined;
  /** The longest a request may take, upload and processing (0: no limit). */
  requestTimeoutMs: number;
  /** Free disk space kept in reserve: a declared upload that would eat into it is refused (507). */
  minFreeDiskBytes: number;
  /** Uploads processed at once; more are refused with 503 so disk and provider quotas are not exhausted. */
  maxConcurrentRequests: number;
  /** How long an `Idempotency-Key` claim holds without renewal (renewed while its request runs). */
  idempotencyLeaseS?: number | undefined;
  /** One tenant's share of those; more of its requests are refused with 429. Absent: no share beyond the total. */
  maxConcurrentRequestsPerTenant?: number | undefined;
  /** Callbacks: what a `callback_url` may be, and what is missing for them (refused with 503 while not empty). */
  webhooks?: { allowPrivate: boolean; missing: string[] } | undefined;
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`. */
  metricsToken?: string | undefined;
  /** The requests in flight: counted for the concurrency limit, waited for at shutdown. */
  inFlight: InFlightRequests;
  /** How many uploads are worked on at once while the event loop is behind; absent: paced by this instance's loop. */
  uploadPacing?: UploadPacing | undefined;
  newId?: () => string;
}

/** Builds the HTTP app from built services; never listens and builds no adapter, so tests pass fakes. */
export function createApp(deps: AppDeps) {
  const { metrics, pipeline } = deps;
  const { inFlight } = deps;
  const newId = deps.newId;

  const { uploadIdleTimeoutMs } = deps;
  const tenantLimit = deps.maxConcurrentRequestsPerTenant ?? deps.maxConcurrentRequests;
  // A tenant's share of the text budget and of the upload disk is the share of the instance its requests have.
  const instanceShare =
    deps.maxConcurrentRequestsPerTenant === undefined ? 1 : tenantLimit / deps.maxConcurrentRequests;
  const textBudget = createTextBudget(deps.maxTextInMemoryBytes, {
    tenantShare: instanceShare,
    waitMs: deps.textWaitMs,
  });
  const disk = { reserveBytes: deps.minFreeDiskBytes, tenantShare: instanceShare };
  // One count of each tenant's requests across every guarded route.
  const share = tenantShare({ limit: tenantLimit });
  const admission = (): Admission => [
    inFlight.middleware({ limit: deps.maxConcurrentRequests }),
    identity({
      defaults: deps.identityDefaults,
      authenticator: deps.authenticator,
      onAuthFailure: (reason) => metrics.authFailed(reason),
      ...(newId && { newId }),
    }),
    share,
  ];
  const pacing = deps.uploadPacing ?? createUploadPacing({ maxLimit: deps.maxConcurrentRequests });
  metrics.watchUploadPacing(() => pacing.state);
  const uploadAdmission = (): UploadAdmission => [
    ...admission(),
    pacedUploads(pacing, (waitedMs) => metrics.uploadAdmitted(waitedMs / 1000)),
  ];
  const jobs: JobRouteDeps = {
    jobs: deps.jobs,
    maxUploadBytes: deps.maxUploadBytes,
    maxCaptionsBytes: deps.maxCaptionsBytes,
    uploadIdleTimeoutMs,
    minUploadRate: deps.minUploadRate,
    optionPolicy: deps.optionPolicy,
    webhooks: deps.webhooks ?? { allowPrivate: false, missing: ["WEBHOOK_QUEUE_URL", "WEBHOOK_SECRET"] },
    // Workers may have a provider this instance lacks: a job is screened for its type only.
    screen: (head, log, options) => pipeline.screen(head, { needsProvider: false, log, options }),
    idempotency: {
      store: deps.idempotencyStore,
      leaseS: deps.idempotencyLeaseS ?? IDEMPOTENCY_LEASE_S,
      onReplay: () => metrics.idempotentReplay(),
    },
  };

  const app = new Hono<AppEnv>();
  app.use(interaction({ logger: deps.logger, ...(newId && { newId }) }));
  app.use(accessLog({ metrics }));
  // An upload's limits, the other way: a client that reads nothing of its answer, or never all of it.
  app.use(unreadAnswerLimit({ idleMs: uploadIdleTimeoutMs, totalMs: deps.requestTimeoutMs }));
  app.use(responseHeaders());
  app.route(
    "/batch/jobs",
    jobRoutes({
      ...jobs,
      textWork: deps.textWork,
      tempFiles: deps.tempFiles,
      disk,
      textBudget,
      // Built per call over the store and bucket the jobs run on, and the store of Idempotency-Key answers.
      deleteJob: (available, context, jobId, log) =>
        createJobDeletion({ ...available, idempotency: deps.idempotencyStore })(context, jobId, log),
      admission: admission(),
      uploadAdmission: uploadAdmission(),
    }),
  );
  app.route(
    "/batch",
    batchRoutes({
      pipeline,
      jobs,
      maxUploadBytes: deps.maxUploadBytes,
      tempFiles: deps.tempFiles,
      uploadIdleTimeoutMs,
      minUploadRate: deps.minUploadRate,
      requestTimeoutMs: deps.requestTimeoutMs,
      disk,
      textBudget,
      admission: uploadAdmission(),
    }),
  );
  app.route(
    "/batch",
    subtitleRoutes({
      textBudget,
      textWork: deps.textWork,
      tempFiles: deps.tempFiles,
      maxBytes: deps.maxTranscriptJsonBytes,
      idleTimeoutMs: uploadIdleTimeoutMs,
      minRate: deps.minUploadRate,
      disk,
      admission: uploadAdmission(),
    }),
  );
  app.route(
    "/",
    healthRoutes({
      transcriber: deps.transcriber,
      cleaner: deps.cleaner,
      publisher: deps.publisher,
      inFlight,
      tempFiles: deps.tempFiles,
      jobsMissing: jobs.jobs.available ? [] : jobs.jobs.missing,
    }),
  );
  app.route("/", metricsRoutes(metrics, deps.metricsToken));
  app.route("/", problemRoutes());
  app.route("/", webRoutes(deps.authenticator?.mode ?? "headers"));
  app.route("/", documentationRoutes(app, deps.authenticator?.mode ?? "headers"));
  app.notFound((c) => problemResponse(c, new ApiError("not_found", `No route for ${c.req.method} ${c.req.path}.`)));
  app.onError(handleError);
  return app;
}
