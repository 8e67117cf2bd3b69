import { describeRoute, resolver } from "hono-openapi";
import { IDENTITY_JSON_SCHEMA } from "./identity.js";
import { BatchResponse, Health, Problem, Readiness } from "./api-schemas.js";
import { INTERACTION_ID_HEADER } from "./middleware/interaction.js";
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
          ...(status === 503 && { "Retry-After": { description: "too_busy: seconds to wait before trying again", schema: { type: "string" as const } } }),
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

/** Every problem `POST /batch/process` can answer with: all but a wrong path or method. */
const BATCH_PROBLEMS = (Object.keys(ERRORS) as ErrorCode[]).filter((code) => code !== "not_found" && code !== "method_not_allowed");

export const describeBatchProcess = describeRoute({
  summary: "Transcribe and clean a recording",
  description:
    "Upload audio or video (WAV, MP3, FLAC, OGG/Opus, WebM, MP4/M4A, AAC, AIFF, AMR) or captions (WebVTT, SRT, plain text; UTF-8, or UTF-16 with a byte order mark) as the multipart field `file`. Answers with the raw and cleaned transcripts, and publishes a BatchProcessingCompleted event (see /schemas/batch-processing-completed.v1.json).",
  tags: ["batch"],
  parameters: [
    identityHeader("X-Tenant-ID", "Tenant, a UUID v4. Absent: MOCK_TENANT_ID, else a new UUID v4; not a UUID v4: replaced, and reported in X-Warning."),
    identityHeader("X-User-ID", "User. Absent: MOCK_USER_ID, else `system`."),
    identityHeader("X-Account-ID", "Optional account."),
  ],
  requestBody: {
    required: true,
    content: {
      "multipart/form-data": {
        schema: {
          type: "object",
          required: ["file"],
          properties: { file: { type: "string", format: "binary", description: "The recording or captions file" } },
        },
      },
    },
  },
  responses: {
    200: {
      ...json("Raw and cleaned transcripts, and what became of the event", BatchResponse),
      headers: {
        ...interactionHeader,
        "X-Warning": { description: "Set when an identity header was replaced (e.g. an X-Tenant-ID that is not a UUID v4)", schema: { type: "string" as const } },
      },
    },
    ...problemResponses(BATCH_PROBLEMS),
  },
});

export const describeWrongMethod = describeRoute({
  summary: "Any other method on an upload route",
  tags: ["batch"],
  responses: problemResponses(["method_not_allowed", ...SERVER_REFUSALS]),
});

export const describeHealth = describeRoute({
  summary: "Liveness",
  tags: ["operations"],
  responses: { 200: json("The process answers", Health), ...problemResponses(SERVER_REFUSALS) },
});

export const describeReadiness = describeRoute({
  summary: "Readiness",
  tags: ["operations"],
  responses: {
    200: json("Ready to take requests (event publishing may be degraded)", Readiness),
    503: json("Draining for shutdown, or the upload directory cannot be written", Readiness),
    ...problemResponses(SERVER_REFUSALS),
  },
});

/** A `GET` route that answers one document, and otherwise only what the server itself refuses. */
function describeDocument(summary: string, tag: string, description: string, contentType: string, schema: { type: "string" | "object" }) {
  return describeRoute({
    summary,
    tags: [tag],
    responses: {
      200: { description, headers: interactionHeader, content: { [contentType]: { schema } } },
      ...problemResponses(SERVER_REFUSALS),
    },
  });
}

export const describeMetrics = describeDocument("Prometheus metrics", "operations", "Prometheus text exposition", "text/plain", { type: "string" });
export const describeOpenApi = describeDocument("This document", "documentation", "OpenAPI 3.1", "application/json", { type: "object" });
export const describeEventSchema = describeDocument(
  "The BatchProcessingCompleted event's JSON Schema (v1)",
  "documentation",
  "JSON Schema 2020-12",
  "application/json",
  { type: "object" },
);
