import { anySignal } from "any-signal";
import { Hono, type Context } from "hono";
import type { IdentifiedEnv, UploadAdmission } from "../server/app-env.js";
import type { TextBudget } from "../server/text-budget.js";
import type { BatchPipeline } from "../../pipeline/batch-pipeline.js";
import type { BatchResponse } from "../contract/api-schemas.js";
import { ApiError } from "../contract/problem.js";
import { describeWrongMethod } from "../contract/openapi.js";
import { jsonBody, textBody } from "../server/streamed-json.js";
import { describeBatchProcess } from "./batch-description.js";
import type { MinUploadRate } from "../upload/arrival-watch.js";
import { submitJob, type JobRouteDeps } from "../upload/job-acceptance.js";
import { toJobResult } from "../../jobs/job-result.js";
import type { TempFiles } from "../../upload/temp-files.js";
import type { DiskLimits } from "../../upload/disk-share.js";
import { acceptUpload, claimOf } from "../upload/upload-acceptance.js";
import type { DetectedInput } from "../../upload/input-detection.js";
import type { Received } from "../upload/upload-request.js";
import type { Answer } from "../upload/idempotency.js";
import { localFile, memoryOrDiskSink, type TempFileUpload } from "../../upload/upload-sink.js";
import { createAudioTee, teeingSink } from "../../upload/audio-tee.js";
import type { PublishOutcome } from "../../events/event-publisher.js";
import { parseQuery } from "../contract/query.js";
import { askedSubtitles, layoutOf, subtitleHeaders, SubtitleLayoutQuery } from "../contract/subtitle-query.js";
import { transcriptionOptionsOf } from "../upload/transcription-query.js";

export interface BatchRouteDeps {
  pipeline: BatchPipeline;
  /** Where `Prefer: respond-async` sends an upload instead. */
  jobs: JobRouteDeps;
  maxUploadBytes: number;
  tempFiles: TempFiles;
  uploadIdleTimeoutMs: number;
  minUploadRate?: MinUploadRate | undefined;
  /** The whole request, upload and processing (0: no limit). */
  requestTimeoutMs: number;
  /** The upload disk's reserve and each tenant's share of it. */
  disk: DiskLimits;
  /** A captions file or a provider's long answer is parsed whole and held until sent: it waits for room. */
  textBudget: TextBudget;
  /**
   * What runs before the handler: the concurrency limit, `identity` (sets `c.var.context`), the tenant's share,
   * then the upload's turn while the event loop is behind.
   */
  admission: UploadAdmission;
}

/** The reason a request's deadline aborts its signal with. */
class DeadlinePassed extends Error {
  override readonly name = "DeadlinePassed";
}

/** `POST /batch/process`: a recording (or captions) in, raw and cleaned transcripts out. */
export function batchRoutes(deps: BatchRouteDeps) {
  const routes = new Hono<IdentifiedEnv>();
  // Admission (the concurrency limit, then identity) guards the real route; a wrong method is told so first.
  routes.post("/process", describeBatchProcess, ...deps.admission, async (c) => {
    // RFC 7240: a preference, not a demand; without async jobs the request is processed as it always was.
    if (prefersRespondAsync(c.req.header("Prefer")) && deps.jobs.jobs.available) {
      c.header("Preference-Applied", "respond-async");
      return submitJob(c, deps.jobs);
    }
    const { context, log } = c.var;
    if (c.req.query("callback_url") !== undefined)
      throw new ApiError("invalid_callback", "callback_url needs Prefer: respond-async (or POST /batch/jobs).");
    const options = transcriptionOptionsOf(c, deps.jobs.optionPolicy);
    const subtitles = askedSubtitles(c);
    // Subtitles that cannot be made of the input are refused before any work is done.
    const wantsTimings = subtitles !== undefined;
    const layout = layoutOf(parseQuery(c, SubtitleLayoutQuery));
    const claim = claimOf(c, deps.jobs.idempotency);
    log.debug(
      { tenant_id: context.tenantId, user_id: context.userId, account_id: context.accountId },
      "batch processing started",
    );
    const deadline = new AbortController();
    const timer =
      deps.requestTimeoutMs > 0
        ? setTimeout(() => deadline.abort(new DeadlinePassed()), deps.requestTimeoutMs)
        : undefined;
    // Cleared once the request is over: an SDK's listener left on it (OpenAI's cleaner) must not hold it.
    const signal = anySignal([c.req.raw.signal, deadline.signal]);
    // The request's room in the text budget: its captions file's, or its provider's long answer's.
    return deps.textBudget.lend(c, async (textRoom) => {
      // Audio goes to the provider as it arrives, unless an Idempotency-Key must be claimed first (after the
      // whole body is read, since it is bound to the body's hash): a repeated request must not pay twice.
      const tee = deps.pipeline.transcribesArriving && claim === undefined ? createAudioTee() : undefined;
      const sink = memoryOrDiskSink(deps.tempFiles, context, deps.disk);
      // The stored file, released once the request is answered (or replayed), however it ends.
      let file: ReturnType<typeof localFile> | undefined;
      async function processed(upload: Received<TempFileUpload>, screened: DetectedInput | undefined): Promise<Answer> {
        // Captions too short to be screened are small enough to need no room of the budget.
        if (screened?.kind === "captions") await textRoom(upload.bytes);
        return answered(upload, screened);
      }
      async function answered(upload: Received<TempFileUpload>, screened: DetectedInput | undefined): Promise<Answer> {
        const { raw, cleaned, event } = await deps.pipeline.process({
          context,
          upload: {
            bytes: upload.bytes,
            declaredType: upload.declaredType,
            detected: screened,
            localPath: file!.path,
            memory: upload.stored.memory,
            tee,
          },
          options,
          wantsTimings,
          textRoom,
          log,
          signal,
        });
        // The access line then says all an operator needs of a request, the event it published included.
        c.set("outcome", {
          bytes: upload.bytes,
          source: raw.source,
          cleaner: cleaned.cleaner,
          event_status: event.status,
          ...(event.status === "published" && { event_id: event.eventId }),
        });
        const warnings = c.var.warnings;
        const answer: BatchResponse = {
          interaction_id: context.interactionId,
          tenant_id: context.tenantId,
          user_id: context.userId,
          account_id: context.accountId,
          ...(warnings !== undefined && { warnings }),
          // The same transcript fields as a completed job's result.
          ...toJobResult({ raw, cleaned }),
          event: eventReport(event),
        };
        if (subtitles === undefined) return { status: 200, body: answer };
        // Subtitles instead of JSON: the event's fate goes in headers, as the body has no room for it.
        const text = await deps.pipeline.subtitles({ raw, cleaned }, subtitles, layout, signal);
        return {
          status: 200,
          body: null,
          text,
          headers: {
            ...subtitleHeaders(subtitles),
            "X-Event-Status": event.status,
            ...(event.status === "published" ? { "X-Event-Id": event.eventId } : { "X-Event-Error": event.error }),
          },
        };
      }
      try {
        return await acceptUpload(c, {
          endpoint: "POST /batch/process",
          claim,
          asked: { options, subtitles: subtitles ?? null, layout },
          sink: tee === undefined ? sink : teeingSink(sink, tee),
          maxBytes: deps.maxUploadBytes,
          idleTimeoutMs: deps.uploadIdleTimeoutMs,
          minRate: deps.minUploadRate,
          signal,
          screen: (head) =>
            deps.pipeline.screen(head, { needsProvider: true, log, tee, signal, options, wantsTimings, textRoom }),
          received(upload) {
            file = localFile(upload.stored, deps.tempFiles);
            tee?.stored({ path: file.path, bytes: upload.bytes });
          },
          respond: ({ body, text, headers }) =>
            text === undefined
              ? c.body(jsonBody(body as BatchResponse), 200, { "Content-Type": "application/json" })
              : c.body(textBody(text), 200, headers),
          answer: (upload, screened) =>
            processed(upload, screened).catch((error: unknown) => {
              if (!deadline.signal.aborted) throw error;
              throw new ApiError(
                "processing_timeout",
                `The request did not complete within ${deps.requestTimeoutMs / 1000} s.`,
                {},
                { cause: error },
              );
            }),
        });
      } catch (error) {
        // Past the deadline while the body was still arriving (once it is in, `answer` says so itself).
        if (!deadline.signal.aborted || file !== undefined) throw error;
        throw new ApiError(
          "upload_timeout",
          `The upload did not complete within ${deps.requestTimeoutMs / 1000} s.`,
          {},
          { cause: error },
        );
      } finally {
        await file?.release();
        clearTimeout(timer);
        signal.clear();
        tee?.close();
      }
    });
  });
  const refuseMethod = (c: Context<IdentifiedEnv>) => {
    c.header("Allow", "POST");
    throw new ApiError("method_not_allowed", `Use POST to submit a recording, not ${c.req.method}.`);
  };
  // The common methods are described for OpenAPI; any other (HEAD, OPTIONS, …) gets the same answer.
  routes.on(["GET", "PUT", "PATCH", "DELETE"], "/process", describeWrongMethod, refuseMethod);
  routes.all("/process", refuseMethod);
  return routes;
}

/** Whether a `Prefer` header (RFC 7240: comma-separated preferences, each `token[=value][; params]`) asks for respond-async. */
export function prefersRespondAsync(header: string | undefined): boolean {
  if (header === undefined) return false;
  return header.split(",").some((preference) => {
    const end = preference.search(/[=;]/);
    return (end === -1 ? preference : preference.slice(0, end)).trim().toLowerCase() === "respond-async";
  });
}

/** The event's fate as the client sees it: a status, the event id or an error code, never a stack. */
function eventReport(outcome: PublishOutcome): BatchResponse["event"] {
  return outcome.status === "published"
    ? { status: outcome.status, event_id: outcome.eventId }
    : { status: outcome.status, error: outcome.error };
}
