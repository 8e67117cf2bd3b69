import { Hono } from "hono";
import { describeRoute, openAPIRouteHandler, resolver } from "hono-openapi";
import { completedEventJsonSchema } from "../../events/event-json-schema.js";
import { IDENTITY_JSON_SCHEMA } from "../identity.js";
import { BatchResponse, Health, Problem, Readiness } from "../api-schemas.js";
import type { AppEnv } from "../app-env.js";
import { ERRORS, PROBLEM_CONTENT_TYPE, type ErrorCode } from "../problem.js";

const problem = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: resolver(Problem) } },
});

/** The problems `POST /batch/process` can answer with, grouped by status, from the one error table. */
function problemResponses() {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const [code, { status }] of Object.entries(ERRORS) as Array<[ErrorCode, { status: number }]>) {
    if (code === "not_found") continue;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries([...byStatus].map(([status, codes]) => [status, problem(codes.map((code) => `\`${code}\`: ${ERRORS[code].title}`).join("; "))]));
}


const identityHeader = (name: string, description: string) => ({
  name,
  in: "header" as const,
  required: false,
  description,
  schema: { ...IDENTITY_JSON_SCHEMA },
});

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
    200: { description: "Raw and cleaned transcripts, and what became of the event", content: { "application/json": { schema: resolver(BatchResponse) } } },
    ...problemResponses(),
  },
});

export const describeHealth = describeRoute({
  summary: "Liveness",
  tags: ["operations"],
  responses: { 200: { description: "The process answers", content: { "application/json": { schema: resolver(Health) } } } },
});

export const describeReadiness = describeRoute({
  summary: "Readiness",
  tags: ["operations"],
  responses: {
    200: { description: "Ready to take requests", content: { "application/json": { schema: resolver(Readiness) } } },
    503: { description: "Draining for shutdown, or the upload directory cannot be written", content: { "application/json": { schema: resolver(Readiness) } } },
  },
});

/** `GET /openapi.json`, generated from the routes' descriptions and the schemas above; and the event's schema. */
export function documentationRoutes(app: Hono<AppEnv>) {
  const routes = new Hono<AppEnv>();
  routes.get(
    "/openapi.json",
    openAPIRouteHandler(app, {
      documentation: {
        openapi: "3.1.0",
        info: {
          title: "Batch transcription service",
          version: "1.0.0",
          description: "Upload a recorded meeting; get its raw and cleaned transcripts; downstream consumers get a BatchProcessingCompleted event.",
        },
      },
      exclude: ["/openapi.json", "/metrics", "/schemas/batch-processing-completed.v1.json"],
    }),
  );
  routes.get("/schemas/batch-processing-completed.v1.json", (c) => c.json(completedEventJsonSchema()));
  return routes;
}
