import type * as v from "valibot";
import { TRANSCRIPTION_PROVIDERS, type TranscriptionProvider } from "../domain/names.js";
import { oneOf, optionalText, settings } from "../env/env-values.js";
import { deepgramProvider } from "./deepgram-provider.js";
import { openAiProvider } from "./openai-provider.js";
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
