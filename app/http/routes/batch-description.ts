import { describeRoute } from "hono-openapi";
import { BatchResponse } from "../contract/api-schemas.js";
import {
  BATCH_PROBLEMS,
  IDEMPOTENCY_PARAMETER,
  IDENTITY_PARAMETERS,
  accepted,
  interactionHeader,
  json,
  problemResponses,
  replayedHeader,
  uploadBodyDescription,
} from "../contract/openapi.js";
import {
  SUBTITLE_ANSWER_FORMAT_PARAMETER,
  SUBTITLE_LAYOUT_PARAMETERS,
  subtitleContent,
  TRANSCRIPTION_OPTION_PARAMETERS,
} from "../contract/subtitle-openapi.js";

/** `POST /batch/process` as the OpenAPI document describes it. */
export const describeBatchProcess = describeRoute({
  summary: "Transcribe and clean a recording",
  description:
    "Upload audio or video (WAV, MP3, FLAC, OGG/Opus, WebM, MP4/M4A, AAC, AIFF, AMR) or " +
    "captions (WebVTT, SRT, plain text; UTF-8, or UTF-16 with a byte order mark) as the " +
    "multipart field `file`. Answers with the raw and cleaned transcripts, and publishes a " +
    "BatchProcessingCompleted event (see /schemas/batch-processing-completed.v1.json); a " +
    "failure after the upload was accepted publishes BatchProcessingFailed. With `Prefer: " +
    "respond-async` (RFC 7240) it does what `POST /batch/jobs` does and answers 202. The query's " +
    "options say how audio is transcribed (an option the provider cannot honour: 422 " +
    "`unsupported_option`). With `format=vtt|srt`, or `Accept: text/vtt` or `application/x-subrip`, it " +
    "answers subtitles instead of JSON, the event's fate in X-Event-Status.",
  tags: ["batch"],
  parameters: [
    ...IDENTITY_PARAMETERS,
    {
      name: "Prefer",
      in: "header" as const,
      required: false,
      description: "`respond-async`: queue a job instead of waiting (202)",
      schema: { type: "string" as const },
    },
    IDEMPOTENCY_PARAMETER,
    {
      name: "Accept",
      in: "header" as const,
      required: false,
      description: "`text/vtt` or `application/x-subrip`: subtitles instead of JSON",
      schema: { type: "string" as const },
    },
    ...TRANSCRIPTION_OPTION_PARAMETERS,
    SUBTITLE_ANSWER_FORMAT_PARAMETER,
    ...SUBTITLE_LAYOUT_PARAMETERS,
  ],
  requestBody: uploadBodyDescription(),
  responses: {
    200: {
      ...json("Raw and cleaned transcripts, and what became of the event", BatchResponse),
      content: {
        ...json("", BatchResponse).content,
        ...subtitleContent,
      },
      headers: {
        ...interactionHeader,
        "X-Warning": {
          description: "Set when an identity header was replaced (e.g. an X-Tenant-ID that is not a UUID v4)",
          schema: { type: "string" as const },
        },
        ...replayedHeader,
        "X-Event-Status": {
          description: "Subtitles answers: what became of the event (published, failed, disabled)",
          schema: { type: "string" as const },
        },
        "X-Event-Id": {
          description: "Subtitles answers: the published event's id",
          schema: { type: "string" as const },
        },
      },
    },
    ...accepted,
    ...problemResponses(BATCH_PROBLEMS),
  },
});
