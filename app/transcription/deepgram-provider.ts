import { flag, integer, optionalText, settings, text, url } from "../env/env-values.js";
import { createDeepgramTranscriber } from "./deepgram-transcriber.js";
import type { ProviderEntry } from "./provider-entry.js";
import { unconfiguredTranscriber } from "./transcriber.js";

/** Deepgram's variables: its key, where it is, its model, its timeout and its features. */
const deepgramSettings = settings(
  {
    DEEPGRAM_API_KEY: optionalText({
      meaning: "Deepgram key; without it audio uploads answer 503 (captions still work)",
      secret: true,
    }),
    DEEPGRAM_BASE_URL: url("https://api.deepgram.com", {
      meaning: "Deepgram API; point it at a Deepgram-compatible server for tests",
    }),
    DEEPGRAM_MODEL: text("nova-3", { meaning: "Deepgram model" }),
    DEEPGRAM_TIMEOUT_S: integer(900, { min: 1 }, { meaning: "per-attempt Deepgram timeout" }),
    DEEPGRAM_DIARIZE: flag(true, { meaning: "Deepgram's speakers (diarization), for requests without `diarize`" }),
    DEEPGRAM_UTTERANCES: flag(true, { meaning: "Deepgram's utterances with timings" }),
    DEEPGRAM_SMART_FORMAT: flag(true, {
      meaning: "Deepgram's smart formatting, for requests without `smart_format`",
    }),
    DEEPGRAM_PUNCTUATE: flag(true, { meaning: "Deepgram's punctuation, for requests without `punctuate`" }),
  },
  (env) => ({
    apiKey: env.DEEPGRAM_API_KEY,
    baseUrl: env.DEEPGRAM_BASE_URL,
    model: env.DEEPGRAM_MODEL,
    timeoutS: env.DEEPGRAM_TIMEOUT_S,
    utterances: env.DEEPGRAM_UTTERANCES,
    defaults: {
      diarize: env.DEEPGRAM_DIARIZE,
      smart_format: env.DEEPGRAM_SMART_FORMAT,
      punctuate: env.DEEPGRAM_PUNCTUATE,
    },
  }),
);
export type DeepgramSettings = ReturnType<typeof deepgramSettings.read>;

/** Deepgram: takes a URL, the bytes as they arrive, says who spoke when, and honours every request option. */
export const deepgramProvider = {
  name: "deepgram",
  settings: deepgramSettings,
  capabilities: { urlInput: true, liveBytes: true, diarization: true },
  options: {
    rules: {
      model: "supported",
      language: "supported",
      detect_language: "supported",
      // Deepgram's key-term prompting is a Nova-3 feature; older models take `keywords`, which we do not send.
      keyterm: {
        when: "with a Nova-3 model",
        accepts: ({ model, keyterm }) => keyterm.length === 0 || model.startsWith("nova-3"),
      },
      redact: "supported",
      diarize: "supported",
      punctuate: "supported",
      smart_format: "supported",
    },
    defaultModel: (settings: DeepgramSettings) => settings.model,
    defaults: (settings: DeepgramSettings) => settings.defaults,
  },
  create: ({ apiKey, baseUrl, model, timeoutS, utterances }: DeepgramSettings, tools) =>
    apiKey === undefined
      ? unconfiguredTranscriber("deepgram", model, "DEEPGRAM_API_KEY")
      : createDeepgramTranscriber({ apiKey, baseUrl, model, timeoutS, utterances, ...tools }),
} as const satisfies ProviderEntry;
