import { describeRoute } from "hono-openapi";
import { Hono, type Context, type MiddlewareHandler } from "hono";
import * as v from "valibot";
import { parseQuery } from "../contract/query.js";
import type { IdentifiedEnv } from "../server/app-env.js";
import type { BatchPipeline } from "../../pipeline/batch-pipeline.js";
import { JobList, JobResponse } from "../contract/api-schemas.js";
import { ApiError } from "../contract/problem.js";
import {
  IDEMPOTENCY_PARAMETER,
  IDENTITY_PARAMETERS,
  READ_PROBLEMS,
  SUBMIT_PROBLEMS,
  accepted,
  describeWrongMethod,
  json,
  problemResponses,
  uploadBody,
} from "../contract/openapi.js";
import { UUID_V4 } from "../../domain/ids.js";
import { JOB_STATUSES } from "../../jobs/job-record.js";
import { fromJobResult, parseJobResult } from "../../jobs/job-result.js";
import type { AsyncJobs } from "../../jobs/async-jobs.js";
import { CaptionsQuery, layoutOf, subtitleHeaders } from "../contract/subtitle-query.js";
import { describeJobCaptions, TRANSCRIPTION_OPTION_PARAMETERS } from "../contract/subtitle-openapi.js";
import { InvalidCursor } from "../../jobs/job-store.js";
import { StorageUnavailable } from "../../domain/failures.js";

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
const MAX_CURSOR_CHARS = 2048;

const describeJobSubmit = describeRoute({
  summary: "Queue a recording for transcription",
  description:
    "The same upload and headers as POST /batch/process. The file streams to object storage, " +
    "is checked as the synchronous path checks it, and a job is queued; a worker transcribes " +
    "and cleans it and publishes BatchProcessingCompleted (or BatchProcessingFailed). Answers " +
    "202 at once. Without UPLOAD_BUCKET, WORK_QUEUE_URL and JOBS_TABLE: 503 " +
    "`async_unavailable`.",
  tags: ["jobs"],
  parameters: [...IDENTITY_PARAMETERS, IDEMPOTENCY_PARAMETER, ...TRANSCRIPTION_OPTION_PARAMETERS],
  requestBody: uploadBody,
  responses: { ...accepted, ...problemResponses(SUBMIT_PROBLEMS) },
});

const describeJobGet = describeRoute({
  summary: "A job's status, and its transcripts once completed",
  description: "A job of another tenant is a 404, as one that does not exist.",
  tags: ["jobs"],
  parameters: [
    ...IDENTITY_PARAMETERS,
    {
      name: "id",
      in: "path" as const,
      required: true,
      description: "The job's interaction id",
      schema: { type: "string" as const, format: "uuid" },
    },
  ],
  responses: {
    200: json("The job", JobResponse),
    ...problemResponses(["not_found", ...READ_PROBLEMS]),
  },
});

const describeJobList = describeRoute({
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

const ListQuery = v.object({
  status: v.optional(v.picklist(JOB_STATUSES, `status must be one of ${JOB_STATUSES.join(", ")}`)),
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, `limit must be a whole number from 1 to ${MAX_PAGE}`),
      v.transform(Number),
      v.minValue(1, `limit must be at least 1`),
      v.maxValue(MAX_PAGE, `limit must be at most ${MAX_PAGE}`),
    ),
  ),
  cursor: v.optional(v.pipe(v.string(), v.maxLength(MAX_CURSOR_CHARS, "cursor is not one this service handed out"))),
});

/** `POST /batch/jobs`, `GET /batch/jobs/{id}`, `GET /batch/jobs`: async jobs, always scoped to the caller's tenant. */
import { available, fromStorage, submitJob, summary, type JobRouteDeps } from "../upload/job-acceptance.js";

export function jobRoutes(
  deps: JobRouteDeps & {
    admission: [MiddlewareHandler, MiddlewareHandler<IdentifiedEnv>];
    /** Writes subtitles of a completed job's transcripts. */
    subtitles: BatchPipeline["subtitles"];
  },
) {
  const routes = new Hono<IdentifiedEnv>();
  // Admission guards the real routes; a wrong method is told so without a credential.
  routes.post("/", describeJobSubmit, ...deps.admission, (c) => submitJob(c, deps));
  routes.get("/", describeJobList, ...deps.admission, async (c) => {
    const jobs = available(deps.jobs);
    const { status, limit = DEFAULT_PAGE, cursor } = parseQuery(c, ListQuery);
    const page = await fromStorage("The job table", async () => {
      try {
        return await jobs.store.list(c.var.context.tenantId, { status, limit, cursor });
      } catch (error) {
        if (error instanceof InvalidCursor) throw new ApiError("invalid_query", error.message, { parameter: "cursor" });
        throw error;
      }
    });
    const answer: JobList = { jobs: page.jobs.map(summary), next_cursor: page.cursor ?? null };
    return c.json(answer, 200);
  });
  /** The caller's job named in the path: another tenant's is simply not there (keyed by tenant), the same 404. */
  async function ownJob(c: Context<IdentifiedEnv>, jobs: Extract<AsyncJobs, { available: true }>) {
    const id = c.req.param("id") ?? "";
    const notFound = () => new ApiError("not_found", `No job ${id.slice(0, 64)} for this tenant.`);
    if (!UUID_V4.test(id)) throw notFound();
    const job = await fromStorage("The job table", () => jobs.store.get(c.var.context.tenantId, id));
    if (job === undefined) throw notFound();
    return job;
  }
  async function resultOf(jobs: Extract<AsyncJobs, { available: true }>, resultKey: string) {
    const bytes = await fromStorage("The result store", () => jobs.objects.getBytes(resultKey));
    if (bytes === undefined) throw new StorageUnavailable("The job's result");
    return parseJobResult(bytes);
  }
  routes.get("/:id", describeJobGet, ...deps.admission, async (c) => {
    const jobs = available(deps.jobs);
    const job = await ownJob(c, jobs);
    const answer: JobResponse = summary(job);
    if (job.status === "completed" && job.resultKey !== undefined)
      Object.assign(answer, await resultOf(jobs, job.resultKey));
    return c.json(answer, 200);
  });
  routes.get("/:id/captions", describeJobCaptions, ...deps.admission, async (c) => {
    const jobs = available(deps.jobs);
    const query = parseQuery(c, CaptionsQuery);
    const job = await ownJob(c, jobs);
    if (job.status !== "completed" || job.resultKey === undefined) {
      throw new ApiError(
        "job_not_completed",
        `The job is ${job.status}: its subtitles can be read once it has completed.`,
        { job_status: job.status },
      );
    }
    const result = await resultOf(jobs, job.resultKey);
    const text = await deps.subtitles(fromJobResult(result), query.format, layoutOf(query));
    return c.body(text, 200, subtitleHeaders(query.format));
  });
  const refuseMethod = (allow: string) => (c: Context<IdentifiedEnv>) => {
    c.header("Allow", allow);
    throw new ApiError("method_not_allowed", `${c.req.method} is not allowed here; use ${allow}.`);
  };
  routes.on(["PUT", "PATCH", "DELETE"], "/", describeWrongMethod, refuseMethod("GET, POST"));
  routes.on(["POST", "PUT", "PATCH", "DELETE"], "/:id", describeWrongMethod, refuseMethod("GET"));
  routes.on(["POST", "PUT", "PATCH", "DELETE"], "/:id/captions", describeWrongMethod, refuseMethod("GET"));
  return routes;
}
