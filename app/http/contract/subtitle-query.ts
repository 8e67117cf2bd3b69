import type { Context } from "hono";
import { accepts } from "hono/accepts";
import * as v from "valibot";
import { DEFAULT_SUBTITLE_LAYOUT, SUBTITLE_LAYOUT_LIMITS, type SubtitleLayout } from "../../subtitles/subtitle-cues.js";
import { SUBTITLE_FORMATS, SUBTITLE_MEDIA_TYPES, type SubtitleFormat } from "../../subtitles/subtitle-files.js";
import { parseQuery } from "./query.js";

const wholeNumber = (name: string, { min, max }: { min: number; max: number }) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, `${name} must be a whole number from ${min} to ${max}`),
      v.transform(Number),
      v.minValue(min, `${name} must be at least ${min}`),
      v.maxValue(max, `${name} must be at most ${max}`),
    ),
  );

/** How subtitles are laid out, as query parameters. */
export const SubtitleLayoutQuery = v.object({
  max_line_chars: wholeNumber("max_line_chars", SUBTITLE_LAYOUT_LIMITS.maxLineChars),
  max_lines: wholeNumber("max_lines", SUBTITLE_LAYOUT_LIMITS.maxLines),
});

const subtitleFormat = v.picklist(SUBTITLE_FORMATS, `format must be one of ${SUBTITLE_FORMATS.join(", ")}`);

/** `GET /batch/jobs/{id}/captions`: the format, and the layout. */
export const CaptionsQuery = v.object({
  format: v.optional(subtitleFormat, "vtt"),
  ...SubtitleLayoutQuery.entries,
});

/** `POST /batch/process?format=`: subtitles asked for by name, as the subtitle routes take them. */
const AnswerFormatQuery = v.object({ format: v.optional(subtitleFormat) });

export function layoutOf(query: v.InferOutput<typeof SubtitleLayoutQuery>): SubtitleLayout {
  return {
    maxLineChars: query.max_line_chars ?? DEFAULT_SUBTITLE_LAYOUT.maxLineChars,
    maxLines: query.max_lines ?? DEFAULT_SUBTITLE_LAYOUT.maxLines,
  };
}

const JSON_TYPE = "application/json";
const BY_MEDIA_TYPE = new Map(SUBTITLE_FORMATS.map((format) => [SUBTITLE_MEDIA_TYPES[format], format] as const));

/**
 * The subtitle format an upload's answer is asked in: `format` in the query, else what an `Accept` header
 * prefers over JSON; undefined for JSON.
 */
export const askedSubtitles = (c: Context): SubtitleFormat | undefined =>
  parseQuery(c, AnswerFormatQuery).format ?? acceptedSubtitles(c);

/** The subtitle format an `Accept` header prefers over JSON (q-values counted), or undefined for JSON. */
function acceptedSubtitles(c: Context): SubtitleFormat | undefined {
  const preferred = accepts(c, {
    header: "Accept",
    supports: [JSON_TYPE, ...BY_MEDIA_TYPE.keys()],
    default: JSON_TYPE,
  });
  return BY_MEDIA_TYPE.get(preferred);
}

/** Headers of a subtitle answer: its type, in UTF-8. */
export const subtitleHeaders = (format: SubtitleFormat) => ({
  "Content-Type": `${SUBTITLE_MEDIA_TYPES[format]}; charset=utf-8`,
});
