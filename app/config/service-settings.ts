import { tmpdir } from "node:os";
import * as v from "valibot";
import { ANY_CASE_UUID_V4 } from "../domain/ids.js";
import { integer, oneOf, optionalInteger, optionalText, settings, text } from "../env/env-values.js";

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

/** The process: how it logs, where it keeps uploads, how long it takes to stop. */
export const processSettings = settings(
  {
    NODE_ENV: text("development", {
      meaning: "`production` makes `AUTH_MODE=headers` warn at startup that identity is not verified",
    }),
    LOG_LEVEL: oneOf(["fatal", "error", "warn", "info", "debug", "trace", "silent"], "info", {
      meaning: "`fatal` … `trace`, or `silent`",
    }),
    UPLOAD_DIR: text(tmpdir(), { meaning: "where uploads are streamed to", shownDefault: "OS temp dir" }),
    SHUTDOWN_GRACE_MS: integer(
      25_000,
      { min: 0 },
      { meaning: "how long shutdown waits for in-flight requests and running jobs, in milliseconds" },
    ),
    QUEUE_URL: optionalText(
      { meaning: "the queue `npm run verify` and `npm run consume` read" },
      v.url("must be an absolute URL"),
    ),
  },
  (env) => ({
    /** Only whether it is `production` matters (a warning about unverified identity). */
    production: env.NODE_ENV === "production",
    logLevel: env.LOG_LEVEL,
    uploadDir: env.UPLOAD_DIR,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    /** The queue the ops commands (verify, consume) read, when not given on their command line. */
    queueUrl: env.QUEUE_URL,
  }),
);

/** The HTTP edge: its port, limits and timeouts, the identity defaults and who may read `/metrics`. */
export const httpSettings = settings(
  {
    PORT: integer(3000, { min: 0, max: 65535 }, { meaning: "HTTP port" }),
    HOST: optionalText(
      { meaning: "the address to listen on (unset: every interface, as a container needs; `npm run dev`: 127.0.0.1)" },
      v.regex(/^[0-9A-Za-z.:-]{1,253}$/, "must be an IP address or a host name"),
    ),
    MAX_UPLOAD_BYTES: integer(2 * GiB, { min: 1 }, { meaning: "largest upload, in bytes (2 GiB)" }),
    MAX_CAPTIONS_BYTES: integer(16 * MiB, { min: 1 }, { meaning: "largest captions file, in bytes (16 MiB)" }),
    MAX_TRANSCRIPT_JSON_BYTES: integer(
      64 * MiB,
      // Parsed whole on a text worker: V8 cannot hold a string of much more than 512 MiB.
      { min: 1, max: 256 * MiB },
      {
        meaning:
          "largest transcript answer sent back to `POST /batch/subtitles`, in bytes (64 MiB, at most 256 MiB); an answer with the words of a ten-hour recording is about 10 MB",
      },
    ),
    MAX_TEXT_IN_MEMORY_BYTES: integer(
      64 * MiB,
      { min: 1 },
      {
        meaning:
          "captions files, provider answers over 64 KiB (of `POST /batch/process`), transcripts sent to `POST /batch/subtitles` and job results read for their subtitles, held in memory at once per instance, by size (64 MiB: four of the largest captions files); each is parsed whole and its answer held until sent, so more wait their turn, up to 60 s, then 503 `too_busy`; a tenant holds at most its share (that of `MAX_CONCURRENT_REQUESTS_PER_TENANT` in `MAX_CONCURRENT_REQUESTS`), its other files waiting in a queue of its own",
      },
    ),
    REQUEST_TIMEOUT_S: integer(
      3600,
      { min: 0 },
      {
        meaning:
          "the whole request, upload and processing: past it, 408 `upload_timeout` while the body arrives, 504 `processing_timeout` after (0: none); its answer then has as long again to be read in full, else the connection is closed",
      },
    ),
    UPLOAD_MIN_BYTES_PER_S: integer(
      1024,
      { min: 0 },
      {
        meaning:
          "the least an upload must send, on average over each 30 s after its first 30 s; slower gets 408 `upload_too_slow` (0: no minimum)",
      },
    ),
    UPLOAD_IDLE_TIMEOUT_S: integer(
      30,
      { min: 1 },
      {
        meaning:
          "a body that sends nothing this long gets 408 `upload_idle_timeout`; its slot and temporary file are freed. The same limit the other way: an answer (on any route) the client reads nothing of this long is abandoned and its connection closed",
      },
    ),
    HEADERS_TIMEOUT_S: integer(
      60,
      { min: 1 },
      { meaning: "time to receive a request's headers (at most `REQUEST_TIMEOUT_S`)" },
    ),
    KEEP_ALIVE_TIMEOUT_S: integer(
      65,
      { min: 1 },
      { meaning: "how long an idle keep-alive connection stays open (longer than common proxies' 60 s)" },
    ),
    MIN_FREE_DISK_BYTES: integer(
      256 * MiB,
      { min: 0 },
      {
        meaning: "free bytes kept in `UPLOAD_DIR` (256 MiB); a declared upload that would eat into them gets 507",
      },
    ),
    MAX_CONCURRENT_REQUESTS: integer(
      64,
      { min: 1 },
      { meaning: "uploads processed (or their answers being sent) at once per instance; more get 503 `too_busy`" },
    ),
    MAX_CONCURRENT_REQUESTS_PER_TENANT: optionalInteger(
      { min: 1 },
      {
        meaning:
          "one tenant's share of those (and the same share of the text budget and the upload disk); more get 429 `tenant_too_busy`",
        shownDefault: "a quarter of `MAX_CONCURRENT_REQUESTS`, at least 1",
      },
    ),
    METRICS_TOKEN: optionalText(
      {
        meaning: "when set (16 characters or more), `/metrics` needs `Authorization: Bearer <METRICS_TOKEN>`",
        secret: true,
      },
      v.minLength(16, "must be at least 16 characters"),
    ),
    MOCK_TENANT_ID: optionalText(
      { meaning: "`headers` mode: the tenant when `X-Tenant-ID` is absent (UUID v4)" },
      v.regex(ANY_CASE_UUID_V4, "must be a UUID v4"),
      v.toLowerCase(),
    ),
    MOCK_USER_ID: optionalText(
      { meaning: "`headers` mode: the user when `X-User-ID` is absent" },
      v.maxLength(256, "must be at most 256 characters"),
    ),
  },
  (env) => ({
    port: env.PORT,
    host: env.HOST,
    maxUploadBytes: env.MAX_UPLOAD_BYTES,
    maxCaptionsBytes: env.MAX_CAPTIONS_BYTES,
    maxTranscriptJsonBytes: env.MAX_TRANSCRIPT_JSON_BYTES,
    maxTextInMemoryBytes: env.MAX_TEXT_IN_MEMORY_BYTES,
    requestTimeoutS: env.REQUEST_TIMEOUT_S,
    uploadIdleTimeoutS: env.UPLOAD_IDLE_TIMEOUT_S,
    minUploadBytesPerS: env.UPLOAD_MIN_BYTES_PER_S,
    headersTimeoutS: env.HEADERS_TIMEOUT_S,
    keepAliveTimeoutS: env.KEEP_ALIVE_TIMEOUT_S,
    minFreeDiskBytes: env.MIN_FREE_DISK_BYTES,
    maxConcurrentRequests: env.MAX_CONCURRENT_REQUESTS,
    maxConcurrentRequestsPerTenant:
      env.MAX_CONCURRENT_REQUESTS_PER_TENANT ?? Math.max(1, Math.floor(env.MAX_CONCURRENT_REQUESTS / 4)),
    /** When set, `/metrics` answers only `Authorization: Bearer <token>`. */
    metricsToken: env.METRICS_TOKEN,
    identityDefaults: { tenantId: env.MOCK_TENANT_ID, userId: env.MOCK_USER_ID },
  }),
);

/** The one AWS block: every AWS client of the service and its tools takes region and endpoint from here. */
export const awsSettings = settings(
  {
    AWS_REGION: text("us-east-1", { meaning: "the region of the bus, the queues, the bucket and the tables" }),
    AWS_ENDPOINT_URL: optionalText(
      { meaning: "read by the AWS SDK itself: an AWS-compatible endpoint such as `moto_server`", shownDefault: "AWS" },
      v.url("must be an absolute URL"),
    ),
    AWS_ACCESS_KEY_ID: optionalText({
      meaning: "credentials (or any source of the SDK's default chain), read by the AWS SDK",
      secret: true,
    }),
    AWS_SECRET_ACCESS_KEY: optionalText({
      meaning: "credentials, read by the AWS SDK with `AWS_ACCESS_KEY_ID`",
      secret: true,
    }),
  },
  // The credentials are the SDK's to read: they are documented here, never kept.
  (env) => ({ region: env.AWS_REGION, endpointUrl: env.AWS_ENDPOINT_URL }),
);
export type AwsSettings = ReturnType<typeof awsSettings.read>;
