import { integer, oneOf, optionalText, settings, text, optionalUrl } from "../env/env-values.js";
import { isDiarizingModel, OPENAI_TRANSCRIPTION_FORMATS } from "./openai-transcription-format.js";
import { createOpenAiTranscriber } from "./openai-transcriber.js";
import type { ProviderEntry } from "./provider-entry.js";
import { unconfiguredTranscriber } from "./transcriber.js";

/** The OpenAI-compatible server: shared by the transcriber and the model cleaner, which get it from here. */
const openAiSettings = settings(
  {
    OPENAI_API_KEY: optionalText({
      meaning: "OpenAI key (the model cleaner, and `openai` transcription)",
      secret: true,
    }),
    OPENAI_BASE_URL: optionalUrl({
      meaning: "any OpenAI-compatible server (e.g. a self-hosted Whisper)",
      shownDefault: "OpenAI's API",
    }),
    OPENAI_TIMEOUT_S: integer(120, { min: 1 }, { meaning: "per-call OpenAI timeout" }),
    OPENAI_TRANSCRIPTION_MODEL: text("whisper-1", { meaning: "transcription model" }),
    OPENAI_TRANSCRIPTION_FORMAT: oneOf(OPENAI_TRANSCRIPTION_FORMATS, "auto", {
      meaning:
        "answer format asked for: `verbose_json` (timed segments), `diarized_json` (segments with " +
        "speakers), `json` (text only); `auto` picks `diarized_json` for a `-diarize` model, " +
        "`json` for other `gpt-4o` models (they accept nothing else), `verbose_json` otherwise",
    }),
  },
  (env) => ({
    apiKey: env.OPENAI_API_KEY,
    baseUrl: env.OPENAI_BASE_URL,
    timeoutS: env.OPENAI_TIMEOUT_S,
    transcriptionModel: env.OPENAI_TRANSCRIPTION_MODEL,
    transcriptionFormat: env.OPENAI_TRANSCRIPTION_FORMAT,
  }),
);
export type OpenAiSettings = ReturnType<typeof openAiSettings.read>;

/** An OpenAI-compatible server: takes the bytes as they arrive; speakers only from a `-diarize` model. */
export const openAiProvider = {
  name: "openai",
  settings: openAiSettings,
  capabilities: { urlInput: false, liveBytes: true, diarization: true },
  options: {
    rules: {
      model: "supported",
      language: "supported",
      // The server detects the language when it is given none.
      detect_language: "supported",
      // Key terms go in the prompt, which a diarizing model does not take.
      keyterm: {
        when: "with a model that takes a prompt (not a `-diarize` model)",
        accepts: ({ model, keyterm }) => keyterm.length === 0 || !isDiarizingModel(model),
      },
      redact: "unsupported",
      diarize: {
        when: "as the model does it: on with a `-diarize` model, off with any other",
        accepts: ({ model, diarize }) => diarize === isDiarizingModel(model),
      },
      punctuate: { when: "on: the server always punctuates", accepts: ({ punctuate }) => punctuate },
      smart_format: "unsupported",
    },
    defaultModel: (settings: OpenAiSettings) => settings.transcriptionModel,
    defaults: (_settings: OpenAiSettings, model: string) => ({
      diarize: isDiarizingModel(model),
      punctuate: true,
      smart_format: false,
    }),
  },
  create: ({ apiKey, baseUrl, transcriptionModel, transcriptionFormat, timeoutS }: OpenAiSettings, tools) =>
    apiKey === undefined
      ? unconfiguredTranscriber("openai", transcriptionModel, "OPENAI_API_KEY")
      : createOpenAiTranscriber({
          apiKey,
          baseUrl,
          model: transcriptionModel,
          format: transcriptionFormat,
          timeoutS,
          ...tools,
        }),
} as const satisfies ProviderEntry;
