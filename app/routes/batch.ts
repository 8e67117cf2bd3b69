import { Readable } from "node:stream";
import { Hono } from "hono";
import type { AppEnv } from "../http/app-env.js";
import type { BatchPipeline } from "../pipeline/batch-pipeline.js";
import type { BatchResponse } from "../http/api-schemas.js";
import { ApiError } from "../problem.js";
import { describeBatchProcess } from "./openapi.js";
import { receiveUpload } from "../upload/multipart-upload.js";
import type { PublishOutcome } from "../events/event-publisher.js";

export interface BatchRouteDeps {
  pipeline: BatchPipeline;
  maxUploadBytes: number;
  uploadDir: string;
}

/** `POST /batch/process`: a recording (or captions) in, raw and cleaned transcripts out. */
export function batchRoutes(deps: BatchRouteDeps) {
  const routes = new Hono<AppEnv>();
  routes.post("/process", describeBatchProcess, async (c) => {
    const { context, log } = c.var;
    log.info({ tenant_id: context.tenantId, user_id: context.userId, account_id: context.accountId }, "batch processing started");
    const upload = await receiveUpload(
      {
        contentType: c.req.header("Content-Type"),
        contentLength: c.req.header("Content-Length"),
        // Under Node, read the request itself: a web stream in between would only be converted back.
        body: c.env?.incoming ?? (c.req.raw.body === null ? null : Readable.fromWeb(c.req.raw.body)),
      },
      { maxBytes: deps.maxUploadBytes, directory: deps.uploadDir, interactionId: context.interactionId },
    );
    try {
      const { raw, cleaned, event } = await deps.pipeline.process({ context, upload, log, signal: c.req.raw.signal });
      c.set("outcome", { bytes: upload.bytes, source: raw.source, cleaner: cleaned.cleaner, event_status: event.status });
      return c.json({
        interaction_id: context.interactionId,
        raw_transcript: raw.text,
        cleaned_transcript: cleaned.text,
        cleaner: cleaned.cleaner,
        source: raw.source,
        metadata: raw.metadata,
        event: eventReport(event),
      } satisfies BatchResponse);
    } finally {
      await upload.remove();
    }
  });
  routes.all("/process", (c) => {
    c.header("Allow", "POST");
    throw new ApiError("method_not_allowed", `Use POST to submit a recording, not ${c.req.method}.`);
  });
  return routes;
}

/** The event's fate as the client sees it: a status, the event id or an error code, never a stack. */
function eventReport(outcome: PublishOutcome): BatchResponse["event"] {
  return outcome.status === "published"
    ? { status: outcome.status, event_id: outcome.eventId }
    : { status: outcome.status, error: outcome.error };
}
