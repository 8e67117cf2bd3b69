import { describeRoute } from "hono-openapi";
import { JobList, JobResponse } from "../contract/api-schemas.js";
import {
  IDEMPOTENCY_PARAMETER,
  IDENTITY_PARAMETERS,
  READ_PROBLEMS,
  SUBMIT_PROBLEMS,
  accepted,
  json,
  problemResponses,
  uploadBody,
} from "../contract/openapi.js";
import { TRANSCRIPTION_OPTION_PARAMETERS } from "../contract/subtitle-openapi.js";

/** The job routes as the OpenAPI document describes them. */

const jobIdParameter = {
  name: "id",
  in: "path" as const,
  required: true,
  description: "The job's interaction id",
  schema: { type: "string" as const, format: "uuid" },
};

export const CALLBACK_URL_PARAMETER = {
  name: "callback_url",
  in: "query" as const,
  required: false,
  description:
    "Where to POST a signed webhook (Standard Webhooks) when the job ends: https on 443 or 8443, a public host; " +
    "a refused URL is a 400 `invalid_callback` before the upload is read",
  schema: { type: "string" as const, format: "uri", maxLength: 2048 },
};

export const describeJobDelete = describeRoute({
  summary: "Delete a job: its upload, result, transcripts and recorded answer",
  description:
    "Answers 204 and removes every object of the job; the record becomes a tombstone until its retention ends, " +
    "so a worker still running it publishes and calls back nothing. A job whose event or callback a worker is " +
    "sending at that moment is deleted once that is done (the answer waits, at most the publish budget and 10 s), " +
    "so it arrives before the 204, never after. A job of another tenant, or one deleted already, is a 404.",
  tags: ["jobs"],
  parameters: [...IDENTITY_PARAMETERS, jobIdParameter],
  responses: {
    204: { description: "Deleted" },
    ...problemResponses(["not_found", ...READ_PROBLEMS]),
  },
});

export const describeJobSubmit = describeRoute({
  summary: "Queue a recording for transcription",
  description:
    "The same upload and headers as POST /batch/process. The file streams to object storage, " +
    "is checked as the synchronous path checks it, and a job is queued; a worker transcribes " +
    "and cleans it and publishes BatchProcessingCompleted (or BatchProcessingFailed). Answers " +
    "202 at once. Without UPLOAD_BUCKET, WORK_QUEUE_URL and JOBS_TABLE: 503 " +
    "`async_unavailable`.",
  tags: ["jobs"],
  parameters: [
    ...IDENTITY_PARAMETERS,
    IDEMPOTENCY_PARAMETER,
    CALLBACK_URL_PARAMETER,
    ...TRANSCRIPTION_OPTION_PARAMETERS,
  ],
  requestBody: uploadBody,
  responses: { ...accepted, ...problemResponses(SUBMIT_PROBLEMS) },
});

export const describeJobGet = describeRoute({
  summary: "A job's status, and its transcripts once completed",
  description: "A job of another tenant is a 404, as one that does not exist.",
  tags: ["jobs"],
  parameters: [...IDENTITY_PARAMETERS, jobIdParameter],
  responses: {
    200: json("The job", JobResponse),
    ...problemResponses(["not_found", "job_expired", ...READ_PROBLEMS]),
  },
});

export const describeJobList = describeRoute({
  summary: "The tenant's recent jobs, newest first",
  tags: ["jobs"],
  parameters: [
    ...IDENTITY_PARAMETERS,
    {
      name: "status",
      in: "query" as const,
      required: false,
      description: "Only jobs in this status",
      schema: { type: "string" as const, enum: ["queued", "processing", "completed", "failed"] },
    },
    {
      name: "limit",
      in: "query" as const,
      required: false,
      description: "Jobs per page, 1–100 (default 20)",
      schema: { type: "integer" as const, minimum: 1, maximum: 100 },
    },
    {
      name: "cursor",
      in: "query" as const,
      required: false,
      description: "`next_cursor` of the previous page",
      schema: { type: "string" as const },
    },
  ],
  responses: {
    200: json("A page of jobs", JobList),
    ...problemResponses(["invalid_query", ...READ_PROBLEMS]),
  },
});
