import { describeRoute, resolver } from "hono-openapi";
import { IDENTITY_JSON_SCHEMA } from "./identity.js";
import { BatchResponse, Health, JobList, JobResponse, Problem, Readiness } from "./api-schemas.js";
import { INTERACTION_ID_HEADER, REQUEST_ID_HEADER } from "./middleware/interaction.js";
import { ERRORS, PROBLEM_CONTENT_TYPE, type ErrorCode } from "./problem.js";

/**
 * The OpenAPI descriptions of the routes, generated from the one error table and the API's schemas: every
 * status an operation can answer, the headers that come with it, and the problems behind each status.
 */

const interactionHeader = {
  [INTERACTION_ID_HEADER]: {
    description: "This request's id, also in the body and every log line; absent only when the server refused the request before the app saw it",
    schema: { type: "string" as const, format: "uuid" },
  },
  [REQUEST_ID_HEADER]: {
    description: "The client's X-Request-ID, echoed (and logged as client_request_id) when it is 1 to 128 printable ASCII characters",
    schema: { type: "string" as const },
  },
};

/** What the Node server itself refuses, on any route, before the app sees the request. */
const SERVER_REFUSALS: ErrorCode[] = ["malformed_request", "headers_too_large"];

/** Problems grouped by status, each status described by its codes and titles. */
function problemResponses(codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, grouped]) => [
      status,
      {
        description: grouped.map((code) => `\`${code}\`: ${ERRORS[code].title}`).join("; "),
        headers: {
          ...interactionHeader,
          ...((grouped.includes("too_busy") || grouped.includes("idempotency_in_progress")) && {
            "Retry-After": { description: "too_busy, idempotency_in_progress: seconds to wait before trying again", schema: { type: "string" as const } },
          }),
        },
        content: { [PROBLEM_CONTENT_TYPE]: { schema: resolver(Problem) } },
      },
    ]),
  );
}

const json = (description: string, schema: Parameters<typeof resolver>[0]) => ({
  description,
  headers: interactionHeader,
  content: { "application/json": { schema: resolver(schema) } },
});

const identityHeader = (name: string, description: string) => ({
  name,
  in: "header" as const,
  required: false,
  description,
  schema: { ...IDENTITY_JSON_SCHEMA },
});

/** Every problem `POST /batch/process` can answer with: all but a wrong path or method (and `Prefer: respond-async` adds the jobs'). */
const BATCH_PROBLEMS = (Object.keys(ERRORS) as ErrorCode[]).filter(
  (code) => !["not_found", "method_not_allowed", "invalid_query", "async_unavailable"].includes(code),
);
/** What a submission can be refused with: the upload's problems (it goes to the bucket, not to disk), none of the processing's. */
const SUBMIT_PROBLEMS: ErrorCode[] = [
  "malformed_request",
  "invalid_header",
  "missing_file",
  "empty_file",
  "malformed_multipart",
  "upload_idle_timeout",
  "payload_too_large",
  "unsupported_media_type",
  "headers_too_large",
  "too_busy",
  "unauthorized",
  "tenant_mismatch",
  "auth_unavailable",
  "idempotency_in_progress",
  "idempotency_key_reused",
  "async_unavailable",
  "storage_unavailable",
];
/** What reading jobs can answer with, besides the job itself. */
const READ_PROBLEMS: ErrorCode[] = [
  "invalid_header",
  "too_busy",
  "unauthorized",
  "tenant_mismatch",
  "auth_unavailable",
  "async_unavailable",
  "storage_unavailable",
  ...SERVER_REFUSALS,
];

const IDEMPOTENCY_PARAMETER = {
  name: "Idempotency-Key",
  in: "header" as const,
  required: false,
  description:
    "Up to 255 printable ASCII characters (IETF draft: an sf-string, quoted, or a bare token). The same key with the same file and identity replays the first answer (`Idempotent-Replayed: true`); 409 while it runs; 422 with another file or identity. Scoped to the tenant; kept IDEMPOTENCY_TTL_S.",
  schema: { type: "string" as const, maxLength: 257 },
};
const replayedHeader = {
  "Idempotent-Replayed": { description: "`true` when this answer is the recorded answer of an earlier request with the same Idempotency-Key", schema: { type: "string" as const } },
};

/** An upload: multipart with the file in `file`, or the file as the whole body with its own type. */
function uploadBodyDescription() {
  const raw = { schema: { type: "string" as const, format: "binary", description: "The recording or captions file as the whole body" } };
  return {
    required: true,
    content: {
      "multipart/form-data": {
        schema: {
          type: "object" as const,
          required: ["file"],
          properties: { file: { type: "string" as const, format: "binary", description: "The recording or captions file" } },
        },
      },
      "audio/*": raw,
      "video/*": raw,
      "application/octet-stream": raw,
      "text/vtt": raw,
      "application/x-subrip": raw,
      "text/plain": raw,
    },
  };
}

const IDENTITY_PARAMETERS = [
  identityHeader("X-Tenant-ID", "Tenant, a UUID v4. Absent: MOCK_TENANT_ID, else a new UUID v4; not a UUID v4: replaced, and reported in X-Warning."),
  identityHeader("X-User-ID", "User. Absent: MOCK_USER_ID, else `system`."),
  identityHeader("X-Account-ID", "Optional account."),
];

const accepted = {
  202: {
    ...json("The upload is stored and the job queued; watch it at Location", JobResponse),
    headers: {
      ...interactionHeader,
      Location: { description: "/batch/jobs/{interaction_id}: where to watch the job", schema: { type: "string" as const } },
      "Preference-Applied": { description: "respond-async, when the request asked for it with Prefer", schema: { type: "string" as const } },
      ...replayedHeader,
    },
  },
};

export const describeBatchProcess = describeRoute({
  summary: "Transcribe and clean a recording",
  description:
    "Upload audio or video (WAV, MP3, FLAC, OGG/Opus, WebM, MP4/M4A, AAC, AIFF, AMR) or captions (WebVTT, SRT, plain text; UTF-8, or UTF-16 with a byte order mark) as the multipart field `file`. Answers with the raw and cleaned transcripts, and publishes a BatchProcessingCompleted event (see /schemas/batch-processing-completed.v1.json); a failure after the upload was accepted publishes BatchProcessingFailed. With `Prefer: respond-async` (RFC 7240) it does what `POST /batch/jobs` does and answers 202.",
  tags: ["batch"],
  parameters: [
    ...IDENTITY_PARAMETERS,
    { name: "Prefer", in: "header" as const, required: false, description: "`respond-async`: queue a job instead of waiting (202)", schema: { type: "string" as const } },
    IDEMPOTENCY_PARAMETER,
  ],
  requestBody: uploadBodyDescription(),
  responses: {
    200: {
      ...json("Raw and cleaned transcripts, and what became of the event", BatchResponse),
      headers: {
        ...interactionHeader,
        "X-Warning": { description: "Set when an identity header was replaced (e.g. an X-Tenant-ID that is not a UUID v4)", schema: { type: "string" as const } },
        ...replayedHeader,
      },
    },
    ...accepted,
    ...problemResponses(BATCH_PROBLEMS),
  },
});

const uploadBody = uploadBodyDescription();

export const describeJobSubmit = describeRoute({
  summary: "Queue a recording for transcription",
  description:
    "The same upload and headers as POST /batch/process. The file streams to object storage, is checked as the synchronous path checks it, and a job is queued; a worker transcribes and cleans it and publishes BatchProcessingCompleted (or BatchProcessingFailed). Answers 202 at once. Without UPLOAD_BUCKET, WORK_QUEUE_URL and JOBS_TABLE: 503 `async_unavailable`.",
  tags: ["jobs"],
  parameters: [...IDENTITY_PARAMETERS, IDEMPOTENCY_PARAMETER],
  requestBody: uploadBody,
  responses: { ...accepted, ...problemResponses(SUBMIT_PROBLEMS) },
});

export const describeJobGet = describeRoute({
  summary: "A job's status, and its transcripts once completed",
  description: "A job of another tenant is a 404, as one that does not exist.",
  tags: ["jobs"],
  parameters: [
    ...IDENTITY_PARAMETERS,
    { name: "id", in: "path" as const, required: true, description: "The job's interaction id", schema: { type: "string" as const, format: "uuid" } },
  ],
  responses: {
    200: json("The job", JobResponse),
    ...problemResponses(["not_found", ...READ_PROBLEMS]),
  },
});

export const describeJobList = describeRoute({
  summary: "The tenant's recent jobs, newest first",
  tags: ["jobs"],
  parameters: [
    ...IDENTITY_PARAMETERS,
    { name: "status", in: "query" as const, required: false, description: "Only jobs in this status", schema: { type: "string" as const, enum: ["queued", "processing", "completed", "failed"] } },
    { name: "limit", in: "query" as const, required: false, description: "Jobs per page, 1–100 (default 20)", schema: { type: "integer" as const, minimum: 1, maximum: 100 } },
    { name: "cursor", in: "query" as const, required: false, description: "`next_cursor` of the previous page", schema: { type: "string" as const } },
  ],
  responses: {
    200: json("A page of jobs", JobList),
    ...problemResponses(["invalid_query", ...READ_PROBLEMS]),
  },
});

export const describeWrongMethod = describeRoute({
  summary: "Any other method on an upload route",
  tags: ["batch"],
  security: [],
  responses: problemResponses(["method_not_allowed", ...SERVER_REFUSALS]),
});

export const describeHealth = describeRoute({
  summary: "Liveness",
  tags: ["operations"],
  security: [],
  responses: { 200: json("The process answers", Health), ...problemResponses(SERVER_REFUSALS) },
});

export const describeReadiness = describeRoute({
  summary: "Readiness",
  tags: ["operations"],
  security: [],
  responses: {
    200: json("Ready to take requests (event publishing may be degraded)", Readiness),
    503: json("Draining for shutdown, or the upload directory cannot be written", Readiness),
    ...problemResponses(SERVER_REFUSALS),
  },
});

/** A `GET` route that answers one document, and otherwise only what the server itself refuses. */
function describeDocument(
  summary: string,
  tag: string,
  description: string,
  contentType: string,
  schema: { type: "string" | "object" },
  extraProblems: ErrorCode[] = [],
) {
  return describeRoute({
    summary,
    tags: [tag],
    security: [],
    responses: {
      200: { description, headers: interactionHeader, content: { [contentType]: { schema } } },
      ...problemResponses([...SERVER_REFUSALS, ...extraProblems]),
    },
  });
}

export const describePage = describeDocument("The upload page, for people", "documentation", "HTML", "text/html", { type: "string" });
export const describePageScript = describeDocument("The upload page's script", "documentation", "JavaScript", "text/javascript", { type: "string" });
export const describeMetrics = describeDocument(
  "Prometheus metrics (behind `Authorization: Bearer <METRICS_TOKEN>` when that is set)",
  "operations",
  "Prometheus text exposition",
  "text/plain",
  { type: "string" },
  ["unauthorized"],
);
export const describeOpenApi = describeDocument("This document", "documentation", "OpenAPI 3.1", "application/json", { type: "object" });
export const describeEventSchema = describeDocument(
  "The BatchProcessingCompleted event's JSON Schema (v1)",
  "documentation",
  "JSON Schema 2020-12",
  "application/json",
  { type: "object" },
);
export const describeFailedEventSchema = describeDocument(
  "The BatchProcessingFailed event's JSON Schema (v1)",
  "documentation",
  "JSON Schema 2020-12",
  "application/json",
  { type: "object" },
);

export const describeProblemPage = describeRoute({
  summary: "What a problem type means and what to do",
  description: "The page every problem's `type` links to: HTML for a browser (Accept: text/html), JSON otherwise.",
  tags: ["documentation"],
  security: [],
  parameters: [{ name: "slug", in: "path" as const, required: true, description: "The code with dashes, e.g. provider-not-configured", schema: { type: "string" as const } }],
  responses: {
    200: {
      description: "The problem type explained",
      headers: interactionHeader,
      content: {
        "text/html": { schema: { type: "string" as const } },
        "application/json": {
          schema: {
            type: "object" as const,
            required: ["type", "title", "status", "code", "detail", "action"],
            properties: {
              type: { type: "string" as const },
              title: { type: "string" as const },
              status: { type: "integer" as const },
              code: { type: "string" as const },
              detail: { type: "string" as const, description: "What it means" },
              action: { type: "string" as const, description: "What to do" },
            },
          },
        },
      },
    },
    ...problemResponses(["not_found", ...SERVER_REFUSALS]),
  },
});
