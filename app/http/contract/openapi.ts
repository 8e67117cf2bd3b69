import { describeRoute, resolver } from "hono-openapi";
import { IDENTITY_JSON_SCHEMA } from "../identity/identity.js";
import { JobResponse } from "./api-schemas.js";
import { Problem } from "./problem-schema.js";
import { INTERACTION_ID_HEADER, REQUEST_ID_HEADER } from "../middleware/interaction.js";
import { ERRORS, PROBLEM_CONTENT_TYPE, type ErrorCode } from "./problem.js";

/**
 * The OpenAPI descriptions of the routes, generated from the one error table and the API's schemas: every
 * status an operation can answer, the headers that come with it, and the problems behind each status.
 */

export const interactionHeader = {
  [INTERACTION_ID_HEADER]: {
    description:
      "This request's id, also in the body and every log line; absent only when the server refused the request before the app saw it",
    schema: { type: "string" as const, format: "uuid" },
  },
  [REQUEST_ID_HEADER]: {
    description:
      "The client's X-Request-ID, echoed (and logged as client_request_id) when it is 1 to 128 printable ASCII characters",
    schema: { type: "string" as const },
  },
};

/** What the Node server itself refuses, on any route, before the app sees the request. */
export const SERVER_REFUSALS: ErrorCode[] = ["malformed_request", "expectation_failed", "headers_too_large"];

/** Problems grouped by status, each status described by its codes and titles. */
export function problemResponses(codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERRORS[code].status, [...(byStatus.get(ERRORS[code].status) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, grouped]) => [
      status,
      {
        description: grouped.map((code) => `\`${code}\`: ${ERRORS[code].title}`).join("; "),
        headers: {
          ...interactionHeader,
          ...((grouped.includes("too_busy") ||
            grouped.includes("tenant_too_busy") ||
            grouped.includes("idempotency_in_progress")) && {
            "Retry-After": {
              description: "too_busy, tenant_too_busy, idempotency_in_progress: seconds to wait before trying again",
              schema: { type: "string" as const },
            },
          }),
        },
        content: { [PROBLEM_CONTENT_TYPE]: { schema: resolver(Problem) } },
      },
    ]),
  );
}

export const json = (description: string, schema: Parameters<typeof resolver>[0]) => ({
  description,
  headers: interactionHeader,
  content: { "application/json": { schema: resolver(schema) } },
});

export const identityHeader = (name: string, description: string) => ({
  name,
  in: "header" as const,
  required: false,
  description,
  schema: { ...IDENTITY_JSON_SCHEMA },
});

/** Every problem `POST /batch/process` can answer with: all but a wrong path or method (and `Prefer: respond-async` adds the jobs'). */
export const BATCH_PROBLEMS = (Object.keys(ERRORS) as ErrorCode[]).filter(
  (code) =>
    !["not_found", "job_expired", "method_not_allowed", "async_unavailable", "job_not_completed"].includes(code),
);
/** What a submission can be refused with: the upload's problems (it goes to the bucket, not to disk), none of the processing's. */
export const SUBMIT_PROBLEMS: ErrorCode[] = [
  ...SERVER_REFUSALS,
  "invalid_query",
  "invalid_callback",
  "webhooks_unavailable",
  "unsupported_option",
  "invalid_header",
  "missing_file",
  "empty_file",
  "malformed_multipart",
  "upload_idle_timeout",
  "upload_too_slow",
  "payload_too_large",
  "unsupported_media_type",
  "too_busy",
  "tenant_too_busy",
  "unauthorized",
  "tenant_mismatch",
  "auth_unavailable",
  "idempotency_in_progress",
  "idempotency_answer_withheld",
  "idempotency_key_reused",
  "async_unavailable",
  "storage_unavailable",
];
/** What reading jobs can answer with, besides the job itself. */
export const READ_PROBLEMS: ErrorCode[] = [
  "invalid_header",
  "too_busy",
  "tenant_too_busy",
  "unauthorized",
  "tenant_mismatch",
  "auth_unavailable",
  "async_unavailable",
  "storage_unavailable",
  ...SERVER_REFUSALS,
];

export const IDEMPOTENCY_PARAMETER = {
  name: "Idempotency-Key",
  in: "header" as const,
  required: false,
  description:
    "Up to 255 printable ASCII characters (IETF draft: an sf-string, quoted, or a bare token). " +
    "The same key with the same file and identity replays the first answer " +
    "(`Idempotent-Replayed: true`); 409 while it runs; 422 with another file, identity or options. " +
    "An answer of 5xx, 408 or 429 is not kept: a retry with the key runs again. " +
    "Scoped to the tenant; kept IDEMPOTENCY_TTL_S.",
  schema: { type: "string" as const, maxLength: 257 },
};
export const replayedHeader = {
  "Idempotent-Replayed": {
    description: "`true` when this answer is the recorded answer of an earlier request with the same Idempotency-Key",
    schema: { type: "string" as const },
  },
};

/** An upload: multipart with the file in `file`, or the file as the whole body with its own type. */
export function uploadBodyDescription() {
  const raw = {
    schema: {
      type: "string" as const,
      format: "binary",
      description: "The recording or captions file as the whole body",
    },
  };
  return {
    required: true,
    content: {
      "multipart/form-data": {
        schema: {
          type: "object" as const,
          required: ["file"],
          properties: {
            file: { type: "string" as const, format: "binary", description: "The recording or captions file" },
          },
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

export const IDENTITY_PARAMETERS = [
  identityHeader(
    "X-Tenant-ID",
    "Tenant, a UUID v4. Absent: MOCK_TENANT_ID, else a new UUID v4; not a UUID v4: replaced, and reported in X-Warning.",
  ),
  identityHeader("X-User-ID", "User. Absent: MOCK_USER_ID, else `system`."),
  identityHeader("X-Account-ID", "Optional account."),
];

export const accepted = {
  202: {
    ...json("The upload is stored and the job queued; watch it at Location", JobResponse),
    headers: {
      ...interactionHeader,
      Location: {
        description: "/batch/jobs/{interaction_id}: where to watch the job",
        schema: { type: "string" as const },
      },
      "Preference-Applied": {
        description: "respond-async, when the request asked for it with Prefer",
        schema: { type: "string" as const },
      },
      ...replayedHeader,
    },
  },
};

export const uploadBody = uploadBodyDescription();

export const describeWrongMethod = describeRoute({
  summary: "Any other method on an upload route",
  tags: ["batch"],
  security: [],
  responses: problemResponses(["method_not_allowed", ...SERVER_REFUSALS]),
});

/** A `GET` route that answers one document, and otherwise only what the server itself refuses. */
export function describeDocument(
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
