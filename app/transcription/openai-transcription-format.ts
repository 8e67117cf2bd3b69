/** The answer formats asked of an OpenAI-compatible server: timed segments, segments with speakers, text alone. */
export const OPENAI_TRANSCRIPTION_FORMATS = ["auto", "verbose_json", "diarized_json", "json"] as const;
export type OpenAiTranscriptionFormat = (typeof OPENAI_TRANSCRIPTION_FORMATS)[number];

/** `auto` picks by model: `diarized_json` for a `-diarize` model, `json` for other `gpt-4o` models, else `verbose_json`. */
export function resolveFormat(
  format: OpenAiTranscriptionFormat,
  model: string,
): Exclude<OpenAiTranscriptionFormat, "auto"> {
  if (format !== "auto") return format;
  if (isDiarizingModel(model)) return "diarized_json";
  // OpenAI's gpt-4o transcription models answer `json` only.
  return model.startsWith("gpt-4o") ? "json" : "verbose_json";
}

/** OpenAI's diarizing models end in `-diarize`: they answer speakers, and take no prompt. */
export const isDiarizingModel = (model: string): boolean => model.endsWith("-diarize");
