import { describe, expect, it } from "vitest";
import { TRANSCRIPTION_PROVIDERS, type TranscriptionProvider } from "../../app/domain/names.js";
import { ProviderFailure } from "../../app/domain/failures.js";
import { loadConfig } from "../../app/config/config.js";
import { createTranscriber, PROVIDER_REGISTRY } from "../../app/transcription/provider-registry.js";
import { captureLogger } from "../support/capture-logger.js";
import { defaultOptions } from "../support/option-policies.js";

/** The variable that holds a provider's key: the one of its settings named `*_API_KEY`. */
const keyVariable = (provider: TranscriptionProvider) =>
  Object.keys(PROVIDER_REGISTRY[provider].settings.entries).find((name) => name.endsWith("_API_KEY"))!;

describe("the provider registry", () => {
  it("has one entry per provider name, each under its own name", () => {
    expect(Object.keys(PROVIDER_REGISTRY).sort()).toEqual([...TRANSCRIPTION_PROVIDERS].sort());
    for (const [name, entry] of Object.entries(PROVIDER_REGISTRY)) expect(entry.name).toBe(name);
  });

  it.each(TRANSCRIPTION_PROVIDERS)(
    "%s: the transcriber it builds can do exactly what its entry declares",
    (provider) => {
      const config = loadConfig({ [keyVariable(provider)]: "test-key", TRANSCRIPTION_PROVIDER: provider });
      const transcriber = createTranscriber(provider, config);
      const { capabilities } = PROVIDER_REGISTRY[provider];
      expect(transcriber).toMatchObject({ provider, configured: true });
      expect(transcriber.transcribeUrl !== undefined).toBe(capabilities.urlInput);
      expect(transcriber.transcribeArriving !== undefined).toBe(capabilities.liveBytes);
    },
  );

  it.each(TRANSCRIPTION_PROVIDERS)("%s without its key refuses, naming the variable to set", async (provider) => {
    const transcriber = createTranscriber(provider, loadConfig({ TRANSCRIPTION_PROVIDER: provider }));
    expect(transcriber.configured).toBe(false);
    const refusal = transcriber.transcribe(
      { path: "", bytes: 0, mime: "audio/wav" },
      { log: captureLogger().logger, options: defaultOptions(transcriber) },
    );
    await expect(refusal).rejects.toBeInstanceOf(ProviderFailure);
    await expect(refusal).rejects.toMatchObject({
      code: "provider_not_configured",
      details: { variable: keyVariable(provider) },
    });
  });

  it("reads each provider's variables into its own settings", () => {
    const config = loadConfig({ DEEPGRAM_MODEL: "nova-2", OPENAI_TRANSCRIPTION_MODEL: "gpt-4o-transcribe" });
    expect(config.deepgram.model).toBe("nova-2");
    expect(config.openai.transcriptionModel).toBe("gpt-4o-transcribe");
  });
});
