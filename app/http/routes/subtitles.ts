import { textBody } from "../server/streamed-json.js";
import type { TextBudget } from "../server/text-budget.js";
import { Hono, type Context } from "hono";
import { describeRoute } from "hono-openapi";
import { Readable } from "node:stream";
import type { TextWork } from "../../text-work/text-work.js";
import { SubtitlesUnavailable } from "../../domain/failures.js";
import type { TempFiles } from "../../upload/temp-files.js";
import type { DiskLimits } from "../../upload/disk-share.js";
import { localFile, memoryOrDiskSink } from "../../upload/upload-sink.js";
import { BatchResponse } from "../contract/api-schemas.js";
import {
  describeWrongMethod,
  IDENTITY_PARAMETERS,
  interactionHeader,
  problemResponses,
  SERVER_REFUSALS,
} from "../contract/openapi.js";
import { ApiError } from "../contract/problem.js";
import { parseQuery } from "../contract/query.js";
import { CaptionsQuery, layoutOf, subtitleHeaders } from "../contract/subtitle-query.js";
import { subtitleContent, SUBTITLE_QUERY_PARAMETERS } from "../contract/subtitle-openapi.js";
import type { IdentifiedEnv, UploadAdmission } from "../server/app-env.js";
import { receiveAnyUpload } from "../upload/raw-body-upload.js";
import type { MinUploadRate } from "../upload/arrival-watch.js";
import { resolver } from "hono-openapi";

const describeSubtitles = describeRoute({
  summary: "Subtitles (WebVTT or SRT) of a transcript answer",
  description:
    "Send back the JSON of a `POST /batch/process` answer or a completed job, as it came: its `source`, " +
    "`words` or `utterances` and `language` are read, the rest ignored. Nothing is transcribed, stored or " +
    "published. The same cues as `Accept: text/vtt` and `GET /batch/jobs/{id}/captions` give.",
  tags: ["batch"],
  parameters: [...IDENTITY_PARAMETERS, ...SUBTITLE_QUERY_PARAMETERS],
  requestBody: {
    required: true,
    content: { "application/json": { schema: resolver(BatchResponse) } },
  },
  responses: {
    200: { description: "The subtitles", headers: interactionHeader, content: subtitleContent },
    ...problemResponses([
      "invalid_query",
      "invalid_transcript",
      "invalid_header",
      "empty_file",
      "upload_idle_timeout",
      "upload_too_slow",
      "payload_too_large",
      "unsupported_media_type",
      "subtitles_unavailable",
      "unauthorized",
      "tenant_mismatch",
      "auth_unavailable",
      "too_busy",
      "tenant_too_busy",
      "insufficient_storage",
      ...SERVER_REFUSALS,
    ]),
  },
});

export interface SubtitleRouteDeps {
  textWork: TextWork;
  tempFiles: TempFiles;
  /** The largest body taken (`MAX_TRANSCRIPT_JSON_BYTES`): it is read whole and parsed on a text worker. */
  maxBytes: number;
  idleTimeoutMs: number;
  minRate?: MinUploadRate | undefined;
  /** The upload disk's reserve and each tenant's share of it. */
  disk: DiskLimits;
  /** The body is parsed whole and its subtitles held until sent: it waits for room in the budget. */
  textBudget: TextBudget;
  admission: UploadAdmission;
}

/** `POST /batch/subtitles`: a transcript answer in, its subtitles out. */
export function subtitleRoutes(deps: SubtitleRouteDeps) {
  const routes = new Hono<IdentifiedEnv>();
  routes.post("/subtitles", describeSubtitles, ...deps.admission, async (c) => {
    const query = parseQuery(c, CaptionsQuery);
    const type = c.req.header("Content-Type")?.split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json")
      throw new ApiError("unsupported_media_type", "Send the transcript as application/json.", { detected_type: null });
    const upload = await receiveAnyUpload(
      {
        // Received as a whole body under the upload limits and idle timeout, whatever its declared type.
        contentType: "application/octet-stream",
        contentLength: c.req.header("Content-Length"),
        body: c.env?.incoming ?? (c.req.raw.body === null ? null : Readable.fromWeb(c.req.raw.body)),
      },
      {
        maxBytes: deps.maxBytes,
        sink: memoryOrDiskSink(deps.tempFiles, c.var.context, deps.disk),
        idleTimeoutMs: deps.idleTimeoutMs,
        minRate: deps.minRate,
        signal: c.req.raw.signal,
      },
    );
    const file = localFile(upload.stored, deps.tempFiles);
    return deps.textBudget.hold(c, upload.bytes, async () => {
      try {
        const { memory } = upload.stored;
        const source = memory !== undefined ? { contents: memory.whole() } : { path: await file.path() };
        const written = await deps.textWork.subtitlesOfJson(
          { source, format: query.format, layout: layoutOf(query) },
          c.req.raw.signal,
        );
        if (written.ok) return c.body(textBody(written.text), 200, subtitleHeaders(query.format));
        if (written.reason === "timings") throw new SubtitlesUnavailable();
        if (written.reason === "json") throw new ApiError("invalid_transcript", "The body is not UTF-8 JSON.");
        // The field only: a validation message can quote the value, and the detail is logged.
        const detail =
          written.field === "(body)"
            ? "The body is not a JSON object: send a transcript answer as it came."
            : `${written.field} is not what a transcript answer holds.`;
        throw new ApiError("invalid_transcript", detail, { field: written.field });
      } finally {
        await file.release();
      }
    });
  });
  const refuseMethod = (c: Context<IdentifiedEnv>) => {
    c.header("Allow", "POST");
    throw new ApiError("method_not_allowed", `Use POST to send a transcript, not ${c.req.method}.`);
  };
  routes.on(["GET", "PUT", "PATCH", "DELETE"], "/subtitles", describeWrongMethod, refuseMethod);
  routes.all("/subtitles", refuseMethod);
  return routes;
}
