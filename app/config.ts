import { tmpdir } from "node:os";
import * as v from "valibot";
import { CLEANERS, TRANSCRIPTION_PROVIDERS } from "./domain/names.js";
import { DEFAULT_EVENT_SOURCE } from "./events/batch-processing-completed.js";
import { ANY_CASE_UUID_V4 } from "./domain/ids.js";
import { OPENAI_TRANSCRIPTION_FORMATS, type OpenAiTranscriptionFormat } from "./transcription/openai-transcription-format.js";
import { AUTH_MODES } from "./auth/authenticator.js";
import { API_KEY_ID, API_KEY_ID_RULE, type ApiKeyEntry } from "./auth/api-key-authenticator.js";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;


/** An integer environment variable with a default and bounds; absent or empty means the default. */
function integer(defaultValue: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  return v.pipe(
    v.optional(v.string(), String(defaultValue)),
    v.regex(/^\d+$/, "must be a whole number"),
    v.transform(Number),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );
}

const Url = v.pipe(v.string(), v.url("must be an absolute URL"));

/** A switch: `true`/`false` (or `1`/`0`), absent means the default. */
function flag(defaultValue: boolean) {
  return v.pipe(
    v.optional(v.picklist(["true", "false", "1", "0"], "must be true or false"), defaultValue ? "true" : "false"),
    v.transform((value) => value === "true" || value === "1"),
  );
}

const EnvSchema = v.object({
  NODE_ENV: v.optional(v.string(), "development"),
  PORT: integer(3000, 0, 65535),
  LOG_LEVEL: v.optional(v.picklist(["fatal", "error", "warn", "info", "debug", "trace", "silent"]), "info"),
  MAX_UPLOAD_BYTES: integer(2 * GiB, 1),
  MAX_CAPTIONS_BYTES: integer(16 * MiB, 1),
  UPLOAD_DIR: v.optional(v.string(), tmpdir()),
  REQUEST_TIMEOUT_S: integer(3600, 0),
  UPLOAD_IDLE_TIMEOUT_S: integer(30, 1),
  HEADERS_TIMEOUT_S: integer(60, 1),
  KEEP_ALIVE_TIMEOUT_S: integer(65, 1),
  MIN_FREE_DISK_BYTES: integer(256 * MiB, 0),
  SHUTDOWN_GRACE_MS: integer(25_000, 0),
  MAX_CONCURRENT_REQUESTS: integer(64, 1),
  TRANSCRIPTION_PROVIDER: v.optional(v.picklist(TRANSCRIPTION_PROVIDERS), "deepgram"),
  DEEPGRAM_API_KEY: v.optional(v.string()),
  DEEPGRAM_BASE_URL: v.optional(Url, "https://api.deepgram.com"),
  DEEPGRAM_MODEL: v.optional(v.string(), "nova-3"),
  DEEPGRAM_TIMEOUT_S: integer(900, 1),
  DEEPGRAM_DIARIZE: flag(true),
  DEEPGRAM_UTTERANCES: flag(true),
  DEEPGRAM_SMART_FORMAT: flag(true),
  DEEPGRAM_PUNCTUATE: flag(true),
  OPENAI_API_KEY: v.optional(v.string()),
  OPENAI_BASE_URL: v.optional(Url),
  OPENAI_MODEL: v.optional(v.string(), "gpt-4o"),
  OPENAI_TRANSCRIPTION_MODEL: v.optional(v.string(), "whisper-1"),
  OPENAI_TRANSCRIPTION_FORMAT: v.optional(v.picklist(OPENAI_TRANSCRIPTION_FORMATS), "auto"),
  OPENAI_TIMEOUT_S: integer(120, 1),
  CLEANER: v.optional(v.picklist(["auto", ...CLEANERS]), "auto"),
  CLEANER_CHUNK_CHARS: integer(4000, 200),
  CLEANER_CONCURRENCY: integer(8, 1, 64),
  AWS_REGION: v.optional(v.string(), "us-east-1"),
  AWS_ENDPOINT_URL: v.optional(Url),
  EVENTBRIDGE_BUS_NAME: v.optional(v.string(), "default"),
  EVENT_SOURCE: v.optional(v.string(), DEFAULT_EVENT_SOURCE),
  EVENT_PUBLISH_TIMEOUT_MS: integer(10_000, 100),
  EVENT_ATTEMPT_TIMEOUT_MS: integer(3_000, 50),
  EVENT_MAX_ENTRY_BYTES: integer(1024 * 1024, 1024),
  EVENT_BREAKER_FAILURES: integer(5, 1),
  EVENT_BREAKER_HALF_OPEN_S: integer(30, 1),
  QUEUE_URL: v.optional(Url),
  UPLOAD_BUCKET: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"))),
  WORK_QUEUE_URL: v.optional(Url),
  JOBS_TABLE: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{3,255}$/, "must be a DynamoDB table name"))),
  JOB_RETENTION_DAYS: integer(7, 1, 3650),
  WORKER_CONCURRENCY: integer(4, 1, 256),
  WORKER_VISIBILITY_TIMEOUT_S: integer(120, 3, 43_200),
  WORKER_RETRY_DELAY_S: integer(30, 0, 43_200),
  IDEMPOTENCY_TABLE: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{3,255}$/, "must be a DynamoDB table name"))),
  IDEMPOTENCY_TTL_S: integer(86_400, 60, 30 * 86_400),
  AUTH_MODE: v.optional(v.picklist(AUTH_MODES), "headers"),
  JWT_JWKS_URL: v.optional(Url),
  JWT_ISSUER: v.optional(v.string()),
  JWT_AUDIENCE: v.optional(v.string()),
  JWT_TENANT_CLAIM: v.optional(v.string(), "tenant_id"),
  JWT_ACCOUNT_CLAIM: v.optional(v.string()),
  JWT_CLOCK_SKEW_S: integer(30, 0, 300),
  API_KEYS: v.optional(v.string()),
  METRICS_TOKEN: v.optional(v.pipe(v.string(), v.minLength(16, "must be at least 16 characters"))),
  MOCK_TENANT_ID: v.optional(v.pipe(v.string(), v.regex(ANY_CASE_UUID_V4, "must be a UUID v4"), v.toLowerCase())),
  MOCK_USER_ID: v.optional(v.pipe(v.string(), v.maxLength(256, "must be at most 256 characters"))),
});

export type Env = v.InferOutput<typeof EnvSchema>;

export interface Config {
  /** `NODE_ENV`: only whether it is `production` matters (a warning about unverified identity). */
  production: boolean;
  port: number;
  logLevel: Env["LOG_LEVEL"];
  maxUploadBytes: number;
  maxCaptionsBytes: number;
  uploadDir: string;
  requestTimeoutS: number;
  uploadIdleTimeoutS: number;
  headersTimeoutS: number;
  keepAliveTimeoutS: number;
  minFreeDiskBytes: number;
  shutdownGraceMs: number;
  maxConcurrentRequests: number;
  transcriptionProvider: Env["TRANSCRIPTION_PROVIDER"];
  deepgram: {
    apiKey: string | undefined;
    baseUrl: string;
    model: string;
    timeoutS: number;
    /** Deepgram's features, each switchable: speakers, utterances with timings, formatting, punctuation. */
    features: { diarize: boolean; utterances: boolean; smartFormat: boolean; punctuate: boolean };
  };
  openai: {
    apiKey: string | undefined;
    baseUrl: string | undefined;
    model: string;
    transcriptionModel: string;
    transcriptionFormat: OpenAiTranscriptionFormat;
    timeoutS: number;
  };
  cleaner: Env["CLEANER"];
  cleanerChunkChars: number;
  cleanerConcurrency: number;
  events: {
    region: string;
    /** Read by the AWS SDK itself; parsed here to validate it and to say where events go. */
    endpointUrl: string | undefined;
    busName: string;
    source: string;
    publishTimeoutMs: number;
    attemptTimeoutMs: number;
    maxEntryBytes: number;
    /** Consecutive failed PutEvents calls that open the circuit breaker. */
    breakerFailures: number;
    /** How long the breaker stays open before one call probes the bus again. */
    breakerHalfOpenMs: number;
  };
  identityDefaults: { tenantId: string | undefined; userId: string | undefined };
  /** The queue the ops commands (verify, consume) read, when not given on their command line. */
  queueUrl: string | undefined;
  /** Async jobs: where uploads go, the work queue and the jobs table; each `undefined` when not set. */
  jobs: {
    uploadBucket: string | undefined;
    workQueueUrl: string | undefined;
    jobsTable: string | undefined;
    retentionDays: number;
  };
  worker: { concurrency: number; visibilityTimeoutS: number; retryDelayS: number };
  auth:
    | { mode: "headers" }
    | { mode: "jwt"; jwt: { jwksUrl: string; issuer: string; audience: string; tenantClaim: string; accountClaim: string | undefined; clockSkewS: number } }
    | { mode: "api-key"; apiKeys: ApiKeyEntry[] };
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** `Idempotency-Key` records: DynamoDB when a table is set, else in this process. */
  idempotency: { table: string | undefined; ttlS: number };
}

/** `API_KEYS`: a JSON array of `{ id, sha256, tenant_id, user_id?, account_id? }`; only hashes, never keys. */
const ApiKeys = v.pipe(
  v.array(
    v.strictObject({
      id: v.pipe(v.string(), v.regex(API_KEY_ID, `id must be ${API_KEY_ID_RULE}`)),
      sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "sha256 must be 64 lower-case hex digits")),
      tenant_id: v.pipe(v.string(), v.regex(ANY_CASE_UUID_V4, "tenant_id must be a UUID v4"), v.toLowerCase()),
      user_id: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
      account_id: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(256))),
    }),
  ),
  v.minLength(1, "must list at least one key"),
  v.check((keys) => new Set(keys.map((key) => key.id)).size === keys.length, "ids must be unique"),
);

function authConfig(env: Env): Config["auth"] {
  switch (env.AUTH_MODE) {
    case "headers":
      return { mode: "headers" };
    case "jwt": {
      const missing = (["JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"] as const).filter((name) => env[name] === undefined);
      if (missing.length > 0) throw new ConfigError(`Invalid configuration: AUTH_MODE: jwt needs ${missing.join(", ")}`);
      return {
        mode: "jwt",
        jwt: {
          jwksUrl: env.JWT_JWKS_URL!,
          issuer: env.JWT_ISSUER!,
          audience: env.JWT_AUDIENCE!,
          tenantClaim: env.JWT_TENANT_CLAIM,
          accountClaim: env.JWT_ACCOUNT_CLAIM,
          clockSkewS: env.JWT_CLOCK_SKEW_S,
        },
      };
    }
    case "api-key": {
      if (env.API_KEYS === undefined) throw new ConfigError("Invalid configuration: AUTH_MODE: api-key needs API_KEYS (see `npm run api-key`)");
      let json: unknown;
      try {
        json = JSON.parse(env.API_KEYS);
      } catch {
        // The value may hold secrets by mistake: it is never echoed.
        throw new ConfigError("Invalid configuration: API_KEYS: must be a JSON array");
      }
      const parsed = v.safeParse(ApiKeys, json);
      if (!parsed.success) {
        const issue = parsed.issues[0];
        throw new ConfigError(`Invalid configuration: API_KEYS${v.getDotPath(issue) === null ? "" : `.${v.getDotPath(issue)}`}: ${issue.message}`);
      }
      return { mode: "api-key", apiKeys: parsed.output };
    }
  }
}

/** The variables async jobs need, by name: what a 503 `async_unavailable` says is missing. */
export function missingJobSettings(jobs: Config["jobs"]): string[] {
  return [
    ...(jobs.uploadBucket === undefined ? ["UPLOAD_BUCKET"] : []),
    ...(jobs.workQueueUrl === undefined ? ["WORK_QUEUE_URL"] : []),
    ...(jobs.jobsTable === undefined ? ["JOBS_TABLE"] : []),
  ];
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * The only reader of the environment: parses it into a typed config or throws a ConfigError that names
 * every variable that is wrong. Empty values count as unset, as they do in most deployment dashboards.
 */
export function loadConfig(environment: Record<string, string | undefined>): Config {
  const present = Object.fromEntries(
    Object.entries(environment)
      .map(([key, value]) => [key, value?.trim()] as const)
      .filter(([, value]) => value !== undefined && value !== ""),
  );
  const parsed = v.safeParse(EnvSchema, present);
  if (!parsed.success) {
    const problems = parsed.issues.map((issue) => `${v.getDotPath(issue) ?? "environment"}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  const env = parsed.output;
  if (env.REQUEST_TIMEOUT_S > 0 && env.HEADERS_TIMEOUT_S > env.REQUEST_TIMEOUT_S) {
    throw new ConfigError("Invalid configuration: HEADERS_TIMEOUT_S: must be at most REQUEST_TIMEOUT_S");
  }
  if (env.CLEANER === "openai" && env.OPENAI_API_KEY === undefined) {
    throw new ConfigError("Invalid configuration: CLEANER: openai needs OPENAI_API_KEY (or use auto or rules)");
  }
  return {
    production: env.NODE_ENV === "production",
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    maxUploadBytes: env.MAX_UPLOAD_BYTES,
    maxCaptionsBytes: env.MAX_CAPTIONS_BYTES,
    uploadDir: env.UPLOAD_DIR,
    requestTimeoutS: env.REQUEST_TIMEOUT_S,
    uploadIdleTimeoutS: env.UPLOAD_IDLE_TIMEOUT_S,
    headersTimeoutS: env.HEADERS_TIMEOUT_S,
    keepAliveTimeoutS: env.KEEP_ALIVE_TIMEOUT_S,
    minFreeDiskBytes: env.MIN_FREE_DISK_BYTES,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    maxConcurrentRequests: env.MAX_CONCURRENT_REQUESTS,
    transcriptionProvider: env.TRANSCRIPTION_PROVIDER,
    deepgram: {
      apiKey: env.DEEPGRAM_API_KEY,
      baseUrl: env.DEEPGRAM_BASE_URL,
      model: env.DEEPGRAM_MODEL,
      timeoutS: env.DEEPGRAM_TIMEOUT_S,
      features: {
        diarize: env.DEEPGRAM_DIARIZE,
        utterances: env.DEEPGRAM_UTTERANCES,
        smartFormat: env.DEEPGRAM_SMART_FORMAT,
        punctuate: env.DEEPGRAM_PUNCTUATE,
      },
    },
    openai: {
      apiKey: env.OPENAI_API_KEY,
      baseUrl: env.OPENAI_BASE_URL,
      model: env.OPENAI_MODEL,
      transcriptionModel: env.OPENAI_TRANSCRIPTION_MODEL,
      transcriptionFormat: env.OPENAI_TRANSCRIPTION_FORMAT,
      timeoutS: env.OPENAI_TIMEOUT_S,
    },
    cleaner: env.CLEANER,
    cleanerChunkChars: env.CLEANER_CHUNK_CHARS,
    cleanerConcurrency: env.CLEANER_CONCURRENCY,
    events: {
      region: env.AWS_REGION,
      endpointUrl: env.AWS_ENDPOINT_URL,
      busName: env.EVENTBRIDGE_BUS_NAME,
      source: env.EVENT_SOURCE,
      publishTimeoutMs: env.EVENT_PUBLISH_TIMEOUT_MS,
      attemptTimeoutMs: env.EVENT_ATTEMPT_TIMEOUT_MS,
      maxEntryBytes: env.EVENT_MAX_ENTRY_BYTES,
      breakerFailures: env.EVENT_BREAKER_FAILURES,
      breakerHalfOpenMs: env.EVENT_BREAKER_HALF_OPEN_S * 1000,
    },
    identityDefaults: { tenantId: env.MOCK_TENANT_ID, userId: env.MOCK_USER_ID },
    queueUrl: env.QUEUE_URL,
    jobs: {
      uploadBucket: env.UPLOAD_BUCKET,
      workQueueUrl: env.WORK_QUEUE_URL,
      jobsTable: env.JOBS_TABLE,
      retentionDays: env.JOB_RETENTION_DAYS,
    },
    auth: authConfig(env),
    metricsToken: env.METRICS_TOKEN,
    idempotency: { table: env.IDEMPOTENCY_TABLE, ttlS: env.IDEMPOTENCY_TTL_S },
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      visibilityTimeoutS: env.WORKER_VISIBILITY_TIMEOUT_S,
      retryDelayS: env.WORKER_RETRY_DELAY_S,
    },
  };
}

/** For a process's entry point: the config, or the message naming what is wrong on stderr and exit 1. */
export function loadConfigOrExit(environment: Record<string, string | undefined>): Config {
  try {
    return loadConfig(environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

/** The config as it may be logged: secrets reduced to whether they are set. */
export function redactConfig(config: Config): Record<string, unknown> {
  const { apiKey: deepgramKey, ...deepgram } = config.deepgram;
  const { apiKey: openaiKey, ...openai } = config.openai;
  const { metricsToken, ...rest } = config;
  return {
    ...rest,
    metrics_token_set: metricsToken !== undefined,
    auth: config.auth.mode === "api-key" ? { mode: "api-key", key_ids: config.auth.apiKeys.map((key) => key.id) } : config.auth,
    deepgram: { ...deepgram, api_key_set: deepgramKey !== undefined },
    openai: { ...openai, api_key_set: openaiKey !== undefined },
  };
}
