import type { Logger } from "../logger.js";

export type TranscriptionProvider = "deepgram" | "openai";

export interface AudioFile {
  path: string;
  bytes: number;
  mime: string;
}

export interface Transcription {
  transcript: string;
  provider: TranscriptionProvider;
  model: string;
  durationS: number | null;
  requestId: string | null;
}

export interface TranscribeOptions {
  log: Logger;
  /** Aborted when the client goes away, so a paid call is not finished for nobody. */
  signal?: AbortSignal | undefined;
}

/** The transcription port: one method, one audio file in, one transcript out. */
export interface Transcriber {
  readonly provider: TranscriptionProvider;
  readonly model: string;
  /** Whether the provider has what it needs (its API key); a transcriber that is not throws `not_configured`. */
  readonly configured: boolean;
  transcribe(audio: AudioFile, options: TranscribeOptions): Promise<Transcription>;
}

export type ProviderFailure = "failed" | "timeout" | "not_configured";

/** A provider that could not give a transcript, after retries where they made sense. */
export class ProviderError extends Error {
  override readonly name = "ProviderError";

  constructor(
    readonly failure: ProviderFailure,
    readonly provider: TranscriptionProvider,
    message: string,
    readonly details: { status?: number | undefined; attempts?: number | undefined; variable?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The transcriber used when the chosen provider's key is not set: it names the variable to set. */
export function unconfiguredTranscriber(provider: TranscriptionProvider, model: string, variable: string): Transcriber {
  return {
    provider,
    model,
    configured: false,
    transcribe() {
      return Promise.reject(
        new ProviderError("not_configured", provider, `Set ${variable} to transcribe audio with ${provider}.`, {
          variable,
        }),
      );
    },
  };
}
