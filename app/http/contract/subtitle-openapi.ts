import { describeRoute } from "hono-openapi";
import { KEYTERM_LIMITS, REDACTIONS } from "../../domain/transcription-options.js";
import { DEFAULT_SUBTITLE_LAYOUT, SUBTITLE_LAYOUT_LIMITS } from "../../subtitles/subtitle-cues.js";
import { SUBTITLE_FORMATS, SUBTITLE_MEDIA_TYPES } from "../../subtitles/subtitle-files.js";
import { IDENTITY_PARAMETERS, interactionHeader, problemResponses, READ_PROBLEMS } from "./openapi.js";

/** OpenAPI of the request options (both upload routes) and of subtitles (`Accept`, and a job's captions). */

const query = (name: string, description: string, schema: Record<string, unknown>) => ({
  name,
  in: "query" as const,
  required: false,
  description,
  schema,
});
const onOff = { type: "string" as const, enum: ["true", "false"] };

export const TRANSCRIPTION_OPTION_PARAMETERS = [
  query("language", "BCP-47 tag of the spoken language (`es`, `pt-BR`); not with detect_language", {
    type: "string",
    maxLength: 35,
  }),
  query("detect_language", "`true`: the provider detects the language (the answer says which)", onOff),
  query("model", "The provider's model, one of the operator's TRANSCRIPTION_MODELS (400 lists them)", {
    type: "string",
  }),
  {
    ...query(
      "keyterm",
      `Names and jargon to recognise; repeat for each (at most ${KEYTERM_LIMITS.count}, ${KEYTERM_LIMITS.chars} characters each)`,
      { type: "array", items: { type: "string", maxLength: KEYTERM_LIMITS.chars }, maxItems: KEYTERM_LIMITS.count },
    ),
    explode: true,
  },
  {
    ...query("redact", "What the provider removes from the transcript; repeat for each", {
      type: "array",
      items: { type: "string", enum: [...REDACTIONS] },
    }),
    explode: true,
  },
  query("diarize", "Speakers (default: the operator's, on)", onOff),
  query("punctuate", "Punctuation (default: the operator's)", onOff),
  query("smart_format", "Numbers, dates and the like as written (default: the operator's)", onOff),
];

export const SUBTITLE_LAYOUT_PARAMETERS = [
  query("max_line_chars", `Subtitles: characters per line (default ${DEFAULT_SUBTITLE_LAYOUT.maxLineChars})`, {
    type: "integer",
    minimum: SUBTITLE_LAYOUT_LIMITS.maxLineChars.min,
    maximum: SUBTITLE_LAYOUT_LIMITS.maxLineChars.max,
  }),
  query("max_lines", `Subtitles: lines per cue (default ${DEFAULT_SUBTITLE_LAYOUT.maxLines})`, {
    type: "integer",
    minimum: SUBTITLE_LAYOUT_LIMITS.maxLines.min,
    maximum: SUBTITLE_LAYOUT_LIMITS.maxLines.max,
  }),
];

/** A subtitles answer, in either format. */
export const subtitleContent = Object.fromEntries(
  SUBTITLE_FORMATS.map((format) => [SUBTITLE_MEDIA_TYPES[format], { schema: { type: "string" as const } }]),
);

const FORMAT_SCHEMA = { type: "string", enum: [...SUBTITLE_FORMATS] };

/** An upload's answer as subtitles, asked for by name rather than with `Accept`. */
export const SUBTITLE_ANSWER_FORMAT_PARAMETER = query(
  "format",
  "`vtt` or `srt`: subtitles instead of JSON (over what `Accept` asks)",
  FORMAT_SCHEMA,
);

/** The query of a subtitles answer: its format, and its layout. */
export const SUBTITLE_QUERY_PARAMETERS = [
  query("format", "`vtt` (default) or `srt`", FORMAT_SCHEMA),
  ...SUBTITLE_LAYOUT_PARAMETERS,
];

export const describeJobCaptions = describeRoute({
  summary: "A completed job's transcript as subtitles (WebVTT or SRT)",
  description:
    "Cues cut from the words (a new cue at a change of speaker, a pause, or a full cue), speakers as WebVTT " +
    "voices (`<v Speaker 0>`) or, in SRT, the name where the speaker changes. A captions import keeps its own " +
    "cues, cleaned. A job of another tenant is a 404, as one that does not exist.",
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
    ...SUBTITLE_QUERY_PARAMETERS,
  ],
  responses: {
    200: { description: "The subtitles", headers: interactionHeader, content: subtitleContent },
    ...problemResponses([
      "invalid_query",
      "not_found",
      "job_not_completed",
      "subtitles_unavailable",
      "insufficient_storage",
      ...READ_PROBLEMS,
    ]),
  },
});
