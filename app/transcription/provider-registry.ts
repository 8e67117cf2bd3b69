import type * as v from "valibot";
import { TRANSCRIPTION_PROVIDERS, type TranscriptionProvider } from "../domain/names.js";
import { integer, oneOf, optionalText, settings } from "../env/env-values.js";
import { deepgramProvider } from "./deepgram-provider.js";
import { openAiProvider } from "./openai-provider.js";
import { DEFAULT_MAX_ANSWER_BYTES } from "./provider-answer.js";
import type { ProviderEntry, ProviderTools } from "./provider-entry.js";
import { createOptionPolicy, type OptionPolicy } from "./requested-options.js";
import type { Transcriber } from "./transcriber.js";

/** Every provider, by name. Adding one: its `<name>-provider.ts` entry, its name in the domain, one line here. */
export const PROVIDER_REGISTRY = {
  deepgram: deepgramProvider,
  openai: openAiProvider,
} as const satisfies Record<TranscriptionProvider, ProviderEntry>;

export type ProviderSettings = {
  [P in TranscriptionProvider]: ReturnType<(typeof PROVIDER_REGISTRY)[P]["settings"]["read"]>;
};

/** Which provider transcribes audio. */
export const providerChoiceSettings = settings(
  {
    TRANSCRIPTION_PROVIDER: oneOf(TRANSCRIPTION_PROVIDERS, "deepgram", {
      meaning: TRANSCRIPTION_PROVIDERS.map((name) => `\`${name}\``).join(" or "),
    }),
  },
  (env) => env.TRANSCRIPTION_PROVIDER,
);

/** How long a provider's answer may be: it is held whole, then parsed whole on a text worker. */
export const providerAnswerSettings = settings(
  {
    MAX_PROVIDER_ANSWER_BYTES: integer(
      DEFAULT_MAX_ANSWER_BYTES,
      // A text worker's heap (1 GiB) holds the answer's text and what it parses into.
      { min: 1, max: 256 * 1024 * 1024 },
      {
        meaning:
          "longest transcription answer read from the provider, in bytes (128 MiB, at most 256 MiB; a ten-hour diarized recording's is about 23 MiB); while one is read the process holds about six times its size, so lower it on a small instance; a longer one is not read on, and the request fails with 413 `payload_too_large` (a job with `too_large`), not retried",
      },
    ),
  },
  (env) => env.MAX_PROVIDER_ANSWER_BYTES,
);

/** The configured provider's transcriber; its answers read on the calling thread unless `tools` say where. */
export function createTranscriber(
  provider: TranscriptionProvider,
  providers: ProviderSettings,
  tools?: ProviderTools,
): Transcriber {
  const entry: ProviderEntry<v.ObjectEntries, ProviderSettings[typeof provider]> = PROVIDER_REGISTRY[provider];
  return entry.create(providers[provider], tools);
}

/** The models a request may name with `model`: the operator's allowlist. */
export const transcriptionModelSettings = settings(
  {
    TRANSCRIPTION_MODELS: optionalText({
      meaning: "comma-separated models a request may name with `model` (it must include the configured model)",
      shownDefault: "the configured model alone",
    }),
  },
  (env) =>
    (env.TRANSCRIPTION_MODELS ?? "")
      .split(",")
      .map((model) => model.trim())
      .filter((model) => model !== ""),
);

/** The configured provider's model when a request names none. */
export function defaultModelOf(provider: TranscriptionProvider, providers: ProviderSettings): string {
  const entry: ProviderEntry<v.ObjectEntries, ProviderSettings[typeof provider]> = PROVIDER_REGISTRY[provider];
  return entry.options.defaultModel(providers[provider]);
}

/** How requests' options are checked and filled in for the configured provider. */
export function createProviderOptionPolicy(
  provider: TranscriptionProvider,
  providers: ProviderSettings,
  models: readonly string[],
): OptionPolicy {
  const entry: ProviderEntry<v.ObjectEntries, ProviderSettings[typeof provider]> = PROVIDER_REGISTRY[provider];
  const settingsOfProvider = providers[provider];
  return createOptionPolicy({
    provider,
    rules: entry.options.rules,
    defaultModel: entry.options.defaultModel(settingsOfProvider),
    models,
    defaults: (model) => entry.options.defaults(settingsOfProvider, model),
  });
}
