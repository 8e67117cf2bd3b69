import type { TextBudget } from "../server/text-budget.js";
import { Hono, type Context } from "hono";
import * as v from "valibot";
import { parseQuery } from "../contract/query.js";
import type { IdentifiedEnv, Admission, UploadAdmission } from "../server/app-env.js";
import type { TextWork } from "../../text-work/text-work.js";
import type { TempFiles } from "../../upload/temp-files.js";
import type { DiskLimits } from "../../upload/disk-share.js";
import { memoryOrDiskSink } from "../../upload/upload-sink.js";
import { downloadResult } from "../upload/result-download.js";
import { splicedJson } from "../server/spliced-json.js";
import { textBody } from "../server/streamed-json.js";
import { SubtitlesUnavailable } from "../../domain/failures.js";
import { JobList, JobResponse } from "../contract/api-schemas.js";
import { ApiError } from "../contract/problem.js";
import { describeWrongMethod } from "../contract/openapi.js";
import { isUuidV4 } from "../../domain/ids.js";
import { describeJobDelete, describeJobGet, describeJobList, describeJobSubmit } from "./jobs-description.js";
import { isVisible, VISIBLE_JOB_STATUSES } from "../../jobs/job-record.js";
import type { RequestContext } from "../../domain/request-context.js";
import type { Logger } from "../../logger.js";
import type { AsyncJobs } from "../../jobs/async-jobs.js";
import { CaptionsQuery, layoutOf, subtitleHeaders } from "../contract/subtitle-query.js";
import { describeJobCaptions } from "../contract/subtitle-openapi.js";
import { InvalidCursor } from "../../jobs/list-cursor.js";

const DEFAULT_PAGE = 20;
const MAX_PAGE = 100;
const MAX_CURSOR_CHARS = 2048;

const ListQuery = v.object({
  status: v.optional(v.picklist(VISIBLE_JOB_STATUSES, `status must be one of ${VISIBLE_JOB_STATUSES.join(", ")}`)),
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
    admission: Admission;
    /** The submit route's: its turn as well, while the event loop is behind. */
    uploadAdmission: UploadAdmission;
    /** Writes subtitles of a completed job's stored result, off the event loop. */
    textWork: TextWork;
    /** Where a result is put while its subtitles are written, and how much of that disk its tenant may hold. */
    tempFiles: TempFiles;
    disk: DiskLimits;
    /** A result is parsed whole for its subtitles: it waits for room in the budget. */
    textBudget: TextBudget;
    /** Deletes one of the caller's jobs and everything of it; false when there is none. */
    deleteJob: (
      jobs: Extract<AsyncJobs, { available: true }>,
      context: RequestContext,
      jobId: string,
      log: Logger,
    ) => Promise<boolean>;
  },
) {
  const routes = new Hono<IdentifiedEnv>();
  // Admission guards the real routes; a wrong method is told so without a credential.
  routes.post("/", describeJobSubmit, ...deps.uploadAdmission, (c) => submitJob(c, deps));
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
    const answer: JobList = { jobs: page.jobs.filter(isVisible).map(summary), next_cursor: page.cursor ?? null };
    return c.json(answer, 200);
  });
  /** The caller's job named in the path: another tenant's is simply not there (keyed by tenant), the same 404. */
  async function ownJob(c: Context<IdentifiedEnv>, jobs: Extract<AsyncJobs, { available: true }>) {
    const named = c.req.param("id") ?? "";
    const notFound = () => new ApiError("not_found", `No job ${named.slice(0, 64)} for this tenant.`);
    // A UUID is read in either case (RFC 9562), as the tenant's is.
    if (!isUuidV4(named)) throw notFound();
    const id = named.toLowerCase();
    const job = await fromStorage("The job table", () => jobs.store.get(c.var.context.tenantId, id));
    if (job === undefined || !isVisible(job)) throw notFound();
    // DynamoDB's TTL removes an expired item some time after it expires: until then it is not served.
    if (job.expiresAt * 1000 <= Date.now()) throw expired(id);
    return job;
  }
  const expired = (id: string) =>
    new ApiError("job_expired", `Job ${id.slice(0, 64)} has expired: its retention ran out, and its files are gone.`);
  routes.get("/:id", describeJobGet, ...deps.admission, async (c) => {
    const jobs = available(deps.jobs);
    const job = await ownJob(c, jobs);
    const answer: JobResponse = summary(job);
    if (job.status !== "completed" || job.resultKey === undefined) return c.json(answer, 200);
    const resultKey = job.resultKey;
    const stored = await fromStorage("The result store", () => jobs.objects.open(resultKey, c.req.raw.signal));
    // The bucket's lifecycle removed the result before the record's TTL caught up.
    if (stored === undefined) throw expired(job.interactionId);
    // The result as stored, streamed behind the job's own fields: a 36 MB result is never in memory whole.
    const { stream, bytes } = splicedJson(answer, stored, (error) =>
      c.var.log.error({ err: error }, "job result cut off while it was being sent"),
    );
    return c.body(stream, 200, { "Content-Type": "application/json", "Content-Length": String(bytes) });
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
    const resultKey = job.resultKey;
    // The result goes to a file, as an upload would, and is parsed on a text worker: only the subtitles come
    // back to this thread.
    const sink = memoryOrDiskSink(deps.tempFiles, c.var.context, deps.disk, 0);
    try {
      const downloaded = await downloadResult(jobs.objects, resultKey, sink, c.req.raw.signal);
      if (downloaded === undefined) throw expired(job.interactionId);
      // Parsed whole: it waits for room in the text budget, as a transcript sent to POST /batch/subtitles does.
      return await deps.textBudget.hold(c, downloaded.bytes, async () => {
        const written = await deps.textWork.subtitlesOfJson(
          { source: { path: downloaded.path }, format: query.format, layout: layoutOf(query) },
          c.req.raw.signal,
        );
        if (written.ok) return c.body(textBody(written.text), 200, subtitleHeaders(query.format));
        if (written.reason === "timings") throw new SubtitlesUnavailable();
        throw new Error(
          `The stored result of job ${job.interactionId} is not a transcript answer (${written.reason}).`,
        );
      });
    } finally {
      await sink.discard();
    }
  });
  routes.delete("/:id", describeJobDelete, ...deps.admission, async (c) => {
    const jobs = available(deps.jobs);
    const id = c.req.param("id");
    const deleted =
      isUuidV4(id) &&
      (await fromStorage("The job table", () => deps.deleteJob(jobs, c.var.context, id.toLowerCase(), c.var.log)));
    if (!deleted) throw new ApiError("not_found", `No job ${id.slice(0, 64)} for this tenant.`);
    return c.body(null, 204);
  });
  const refuseMethod = (allow: string) => (c: Context<IdentifiedEnv>) => {
    c.header("Allow", allow);
    throw new ApiError("method_not_allowed", `${c.req.method} is not allowed here; use ${allow}.`);
  };
  routes.on(["PUT", "PATCH", "DELETE"], "/", describeWrongMethod, refuseMethod("GET, POST"));
  routes.on(["POST", "PUT", "PATCH"], "/:id", describeWrongMethod, refuseMethod("GET, DELETE"));
  routes.on(["POST", "PUT", "PATCH", "DELETE"], "/:id/captions", describeWrongMethod, refuseMethod("GET"));
  return routes;
}
