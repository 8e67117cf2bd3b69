import { createOpenAiCleaner } from "./cleaning/openai-cleaner.js";
import { createRulesCleaner } from "./cleaning/rules-cleaner.js";
import type { Cleaner } from "./cleaning/cleaner.js";
import type { Config } from "./config.js";
import type { TextWork } from "./text-work/text-work.js";
import { createDeepgramTranscriber } from "./transcription/deepgram-transcriber.js";
import { createOpenAiTranscriber } from "./transcription/openai-transcriber.js";
import { unconfiguredTranscriber, type Transcriber } from "./transcription/transcriber.js";

/** The transcriber the config asks for, or one that answers 503 naming the key to set. */
export function createTranscriber(config: Config): Transcriber {
  if (config.transcriptionProvider === "openai") {
    const { apiKey, baseUrl, transcriptionModel, transcriptionFormat, timeoutS } = config.openai;
    return apiKey === undefined
      ? unconfiguredTranscriber("openai", transcriptionModel, "OPENAI_API_KEY")
      : createOpenAiTranscriber({ apiKey, baseUrl, model: transcriptionModel, format: transcriptionFormat, timeoutS });
  }
  const { apiKey, baseUrl, model, timeoutS } = config.deepgram;
  return apiKey === undefined
    ? unconfiguredTranscriber("deepgram", model, "DEEPGRAM_API_KEY")
    : createDeepgramTranscriber({ apiKey, baseUrl, model, timeoutS, features: config.deepgram.features });
}

/** `auto` means the model when an OpenAI key is set, else the rules (config refuses `openai` without a key). */
export function createCleaner(config: Config, textWork: TextWork): Cleaner {
  const { apiKey, baseUrl, model, timeoutS } = config.openai;
  if (config.cleaner === "rules" || apiKey === undefined) return createRulesCleaner((text) => textWork.cleanWithRules(text));
  return createOpenAiCleaner({
    apiKey,
    baseUrl,
    model,
    timeoutS,
    chunkChars: config.cleanerChunkChars,
    concurrency: config.cleanerConcurrency,
  });
}
