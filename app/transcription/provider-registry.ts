import type * as v from "valibot";
import { TRANSCRIPTION_PROVIDERS, type TranscriptionProvider } from "../domain/names.js";
import { oneOf, settings } from "../env/env-values.js";
import { deepgramProvider } from "./deepgram-provider.js";
import { openAiProvider } from "./openai-provider.js";
import type { ProviderEntry } from "./provider-entry.js";
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

/** The configured provider's transcriber. */
export function createTranscriber(provider: TranscriptionProvider, providers: ProviderSettings): Transcriber {
  const entry: ProviderEntry<v.ObjectEntries, ProviderSettings[typeof provider]> = PROVIDER_REGISTRY[provider];
  return entry.create(providers[provider]);
}
