import { mkdir } from "node:fs/promises";
import { createAuthenticator } from "../auth/authenticator-factory.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { Cleaner } from "../cleaning/cleaner.js";
import { createCleaner } from "../cleaning/cleaner-registry.js";
import type { Config } from "../config/config.js";
import { createClaimCheck, type ClaimCheck } from "../events/claim-check.js";
import type { EventPublisher } from "../events/event-publisher.js";
import { createPublisher } from "../events/publisher-factory.js";
import type { IdempotencyStore } from "../idempotency/idempotency-store.js";
import type { AsyncJobs } from "../jobs/async-jobs.js";
import { holdMs } from "../jobs/job-store.js";
import { WEBHOOK_TRY_TIMEOUT_MS } from "../webhooks/webhook-sender.js";
import { createJobSubmission } from "../jobs/job-submission.js";
import type { Logger } from "../logger.js";
import type { ObjectStore } from "../storage/object-store.js";
import { createTextWorkerPool, type TextWork } from "../text-work/text-work.js";
import { createProviderOptionPolicy, createTranscriber } from "../transcription/provider-registry.js";
import type { OptionPolicy } from "../transcription/requested-options.js";
import type { Transcriber } from "../transcription/transcriber.js";
import { createTempFiles, type TempFiles } from "../upload/temp-files.js";
import { createIdempotencyStore, createJobAdapters, createObjectStore, type JobAdapters } from "./aws-adapters.js";

/** Every port's adapter, built once per process from config; tests build the same shape from fakes. */
export interface Adapters {
  logger: Logger;
  transcriber: Transcriber;
  /** Checks a request's transcription options against the provider, and fills in the operator's defaults. */
  optionPolicy: OptionPolicy;
  cleaner: Cleaner;
  publisher: EventPublisher;
  textWork: TextWork;
  tempFiles: TempFiles;
  /** The bucket: async jobs and the claim check of the synchronous path. */
  objects?: ObjectStore | undefined;
  /** Moves transcripts too big for an event into the bucket (needs UPLOAD_BUCKET). */
  claimCheck?: ClaimCheck | undefined;
  /** The job path's adapters, or what is missing for them. */
  jobAdapters: JobAdapters | { missing: string[] };
  idempotencyStore: IdempotencyStore;
  /** Verifies credentials (`AUTH_MODE` jwt or api-key); absent: the trusted-header chain. */
  authenticator?: Authenticator | undefined;
}

/** The event publisher alone, as the service builds it: for tools that publish as the service does. */
export function buildPublisher(config: Config, logger: Logger): Promise<EventPublisher> {
  return createPublisher(config.events, config.aws.region, logger);
}

/** The real adapters, from config. */
export async function buildAdapters(config: Config, logger: Logger): Promise<Adapters> {
  const textWork = createTextWorkerPool(logger);
  const objects = createObjectStore(config.aws, config.jobs);
  await mkdir(config.uploadDir, { recursive: true });
  return {
    logger,
    transcriber: createTranscriber(config.transcriptionProvider, config, {
      readAnswer: textWork.readAnswer,
      maxAnswerBytes: config.maxProviderAnswerBytes,
    }),
    optionPolicy: createProviderOptionPolicy(config.transcriptionProvider, config, config.transcriptionModels),
    cleaner: createCleaner({
      settings: config.cleaner,
      openai: config.openai,
      cleanWithRules: (task, signal) => textWork.cleanWithRules(task, signal),
    }),
    publisher: await buildPublisher(config, logger),
    textWork,
    tempFiles: createTempFiles(config.uploadDir),
    objects,
    claimCheck:
      objects &&
      createClaimCheck({ store: objects, source: config.events.source, maxEntryBytes: config.events.maxEntryBytes }),
    jobAdapters: createJobAdapters(config.aws, config.jobs, objects),
    idempotencyStore: createIdempotencyStore(config.aws, config.idempotency, objects),
    authenticator: createAuthenticator(config.auth),
  };
}

/** Async jobs as the edge offers them: submission over the job adapters, or what is missing. */
export function asyncJobs(
  jobAdapters: Adapters["jobAdapters"],
  settings: { retentionDays: number; publishBudgetMs: number },
): AsyncJobs {
  if ("missing" in jobAdapters) return { available: false, missing: jobAdapters.missing };
  const submit = createJobSubmission({ ...jobAdapters, retentionS: settings.retentionDays * 86_400 });
  return {
    available: true,
    store: jobAdapters.store,
    objects: jobAdapters.objects,
    submit,
    maxHoldMs: Math.max(holdMs(settings.publishBudgetMs), holdMs(WEBHOOK_TRY_TIMEOUT_MS)),
  };
}
