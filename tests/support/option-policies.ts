import { loadConfig } from "../../app/config/config.js";
import type { TranscriptionOptions } from "../../app/domain/transcription-options.js";
import { PROVIDER_REGISTRY } from "../../app/transcription/provider-registry.js";
import { createOptionPolicy, type OptionPolicy } from "../../app/transcription/requested-options.js";
import type { AudioFile, Transcriber } from "../../app/transcription/transcriber.js";
import type { Logger } from "../../app/logger.js";

const DEFAULTS = loadConfig({});

/** The option policy the service would build for a transcriber: its provider's rules and defaults, its model. */
export function optionPolicyFor(
  transcriber: Pick<Transcriber, "provider" | "model">,
  models: string[] = [],
): OptionPolicy {
  const defaults =
    transcriber.provider === "deepgram"
      ? () => PROVIDER_REGISTRY.deepgram.options.defaults(DEFAULTS.deepgram)
      : (model: string) => PROVIDER_REGISTRY.openai.options.defaults(DEFAULTS.openai, model);
  return createOptionPolicy({
    provider: transcriber.provider,
    rules: PROVIDER_REGISTRY[transcriber.provider].options.rules,
    defaultModel: transcriber.model,
    models,
    defaults,
  });
}

/** What a request that sets no option gets, for a transcriber: for tests that call a transcriber directly. */
export const defaultOptions = (transcriber: Pick<Transcriber, "provider" | "model">): TranscriptionOptions =>
  optionPolicyFor(transcriber).resolve({});

/** `transcribe` as the pipeline calls it for a request that set no option. */
export const transcribeAsIs = (transcriber: Transcriber, audio: AudioFile, log: Logger) =>
  transcriber.transcribe(audio, { log, options: defaultOptions(transcriber) });
