import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { asyncJobs } from "../../app/composition/adapters.js";
import { missingJobSettings } from "../../app/jobs/job-settings.js";
import { composeServices } from "../../app/composition/build-services.js";
import { loadConfig } from "../../app/config/config.js";
import type { ClaimCheck } from "../../app/events/claim-check.js";
import { createApp, type AppDeps } from "../../app/http/server/create-app.js";
import { createInFlightRequests } from "../../app/http/middleware/in-flight-requests.js";
import { createMemoryIdempotencyStore } from "../../app/idempotency/idempotency-store.js";
import { createMetrics } from "../../app/observability/metrics.js";
import { inlineTextWork, type TextWork } from "../../app/text-work/text-work.js";
import { createRulesCleaner } from "../../app/cleaning/rules-cleaner.js";
import { disabledPublisher } from "../../app/events/event-publisher.js";
import { unconfiguredTranscriber } from "../../app/transcription/transcriber.js";
import { createTempFiles } from "../../app/upload/temp-files.js";
import { captureLogger } from "./capture-logger.js";
import { optionPolicyFor } from "./option-policies.js";

export const FIXTURES = new URL("../fixtures/", import.meta.url);

/** What a test may replace: any app setting, and the adapters the pipeline is composed over. */
export type TestAppOverrides = Partial<Omit<AppDeps, "pipeline">> & {
  claimCheck?: ClaimCheck;
  textWork?: TextWork;
  now?: () => Date;
};

/** The service's defaults: what an app built here runs with where a test says nothing. */
const DEFAULTS = loadConfig({});

/** An instance without async jobs: the job settings it misses, and the answer its job routes give. */
const NO_JOB_ADAPTERS = { missing: missingJobSettings(DEFAULTS.jobs) };
export const NO_ASYNC_JOBS: AppDeps["jobs"] = asyncJobs(NO_JOB_ADAPTERS, {
  retentionDays: DEFAULTS.jobs.retentionDays,
  publishBudgetMs: DEFAULTS.events.publishTimeoutMs,
});

/**
 * The app with real parts where they cost nothing (rules cleaner, disk, an inline text worker) and the given
 * overrides, composed by the same root as the service's.
 */
export async function buildTestApp(overrides: TestAppOverrides = {}) {
  const uploadDir = await mkdtemp(join(tmpdir(), "batch-test-uploads-"));
  const logs = captureLogger();
  const { claimCheck, textWork, now, ...settings } = overrides;
  const publisher = overrides.publisher ?? disabledPublisher("no_credentials");
  const maxCaptionsBytes = overrides.maxCaptionsBytes ?? 1024 * 1024;
  const transcriber = overrides.transcriber ?? unconfiguredTranscriber("deepgram", "nova-3", "DEEPGRAM_API_KEY");
  const services = composeServices(
    {
      logger: logs.logger,
      transcriber,
      optionPolicy: overrides.optionPolicy ?? optionPolicyFor(transcriber),
      cleaner: overrides.cleaner ?? createRulesCleaner(),
      publisher,
      textWork: textWork ?? inlineTextWork(),
      tempFiles: overrides.tempFiles ?? createTempFiles(uploadDir),
      claimCheck,
      jobAdapters: NO_JOB_ADAPTERS,
      idempotencyStore: overrides.idempotencyStore ?? createMemoryIdempotencyStore({ ttlS: DEFAULTS.idempotency.ttlS }),
      authenticator: overrides.authenticator,
    },
    {
      maxCaptionsBytes,
      metrics: overrides.metrics ?? createMetrics({ defaultMetrics: false, publishingState: () => publisher.state }),
      ...(now && { now }),
    },
  );
  const deps: AppDeps = {
    ...services,
    jobs: NO_ASYNC_JOBS,
    identityDefaults: {},
    maxUploadBytes: 10 * 1024 * 1024,
    maxTranscriptJsonBytes: DEFAULTS.maxTranscriptJsonBytes,
    maxTextInMemoryBytes: DEFAULTS.maxTextInMemoryBytes,
    uploadIdleTimeoutMs: DEFAULTS.uploadIdleTimeoutS * 1000,
    requestTimeoutMs: 0,
    minFreeDiskBytes: 0,
    maxConcurrentRequests: Number.POSITIVE_INFINITY,
    inFlight: createInFlightRequests(),
    ...settings,
    maxCaptionsBytes,
  };
  return {
    app: createApp(deps),
    logs,
    uploadDir: deps.tempFiles.directory,
    leftoverUploads: () => readdir(deps.tempFiles.directory),
    dispose: () => rm(uploadDir, { recursive: true, force: true }),
  };
}

/** A multipart body with one `file` part, as a browser or curl would send it. */
export function uploadForm(content: Uint8Array | string, filename = "upload.bin", field = "file"): FormData {
  const form = new FormData();
  // A copy on its own ArrayBuffer: Blob takes no view of a possibly shared buffer.
  form.append(field, new Blob([typeof content === "string" ? content : new Uint8Array(content)]), filename);
  return form;
}

export function postUpload(
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> },
  body: RequestInit["body"],
  headers: Record<string, string> = {},
) {
  return app.request("/batch/process", { method: "POST", body, headers });
}
