import type * as v from "valibot";
import type { TranscriptionProvider } from "../domain/names.js";
import type { Settings } from "../env/env-values.js";
import type { ProviderOptions } from "./option-rules.js";
import type { Transcriber } from "./transcriber.js";
import type { AnswerReader } from "./provider-answer.js";

/** What the composition root lends every provider: where its success answers are read (absent: where they arrive). */
export interface ProviderTools {
  readAnswer: AnswerReader;
  /** The longest answer read (`MAX_PROVIDER_ANSWER_BYTES`; absent: its default). */
  maxAnswerBytes?: number;
}

/** What a provider can do, declared once: the pipeline, the API and its tests read it from here. */
export interface ProviderCapabilities {
  /** It fetches a stored upload from a short-lived URL itself (`transcribeUrl`). */
  urlInput: boolean;
  /** It takes the bytes while they are still being uploaded (`transcribeArriving`). */
  liveBytes: boolean;
  /** It says who spoke when (utterances with speakers). */
  diarization: boolean;
}

/** One transcription provider: its variables, what it can do, and how it is built from its settings. */
export interface ProviderEntry<E extends v.ObjectEntries = v.ObjectEntries, S = unknown> {
  readonly name: TranscriptionProvider;
  readonly settings: Settings<E, S>;
  readonly capabilities: ProviderCapabilities;
  /** Which request options it honours, and its defaults for the switches a request leaves out. */
  readonly options: ProviderOptions<S>;
  /** The transcriber, or one that refuses naming the variable to set when the provider's key is missing. */
  create(settings: S, tools?: ProviderTools): Transcriber;
}
