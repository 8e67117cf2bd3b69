import type { Readable } from "node:stream";
import { ProviderFailure } from "../domain/failures.js";
import type { TranscriptionProvider } from "../domain/names.js";
import type { Logger } from "../logger.js";
import type { Utterance, Word } from "../domain/transcript.js";
import type { TranscriptLanguage, TranscriptionOptions } from "../domain/transcription-options.js";

export interface AudioFile {
  path: string;
  bytes: number;
  mime: string;
}

/** Audio a provider fetches itself: a short-lived URL to the stored upload. */
export interface RemoteAudio {
  url: string;
  bytes: number;
  mime: string;
}

/**
 * Audio still being uploaded. The first attempt sends the bytes as they arrive; a retry waits for the
 * upload to finish and sends the stored file.
 */
export interface ArrivingAudio {
  mime: string;
  /** The bytes as they arrive, for the first attempt only. */
  live: Readable;
  /** Settles once the last byte has arrived (or the upload failed): the first attempt's timeout starts there. */
  arrived: Promise<void>;
  /** The stored file, once the upload is complete; rejects when it failed. */
  file(): Promise<AudioFile>;
  /** Whether the live bytes were cut off because the provider read them slower than they arrived. */
  readonly cutOff: boolean;
}

export interface Transcription {
  transcript: string;
  provider: TranscriptionProvider;
  model: string;
  durationS: number | null;
  requestId: string | null;
  /** Who said what, when, where the provider says (diarization); absent otherwise. */
  utterances?: Utterance[] | undefined;
  /** Each word with its timings (and confidence and speaker where the provider gives them); absent when it gives none. */
  words?: Word[] | undefined;
  /** The provider's confidence in the whole transcript, 0–1; unknown when absent. */
  confidence?: number | null | undefined;
  /** The language asked for, or the one the provider detected; unknown when absent. */
  language?: TranscriptLanguage | null | undefined;
}

/**
 * Takes room for `bytes` more of text held in memory for a request, until the request is answered (the
 * instance's text budget, `MAX_TEXT_IN_MEMORY_BYTES`); waits for it, and rejects when it does not come in time.
 */
export type TextRoom = (bytes: number) => Promise<void>;

export interface TranscribeOptions {
  /** How to transcribe: the request's options, checked against what the provider supports. */
  options: TranscriptionOptions;
  log: Logger;
  /** Aborted when the client goes away, so a paid call is not finished for nobody. */
  signal?: AbortSignal | undefined;
  /** Where a long answer's room is taken before it is read (absent: none is counted, as on a queue worker). */
  textRoom?: TextRoom | undefined;
}

/** The transcription port: one method, one audio file in, one transcript out. */
export interface Transcriber {
  readonly provider: TranscriptionProvider;
  readonly model: string;
  /** Whether the provider has what it needs (its API key); a transcriber that is not throws `provider_not_configured`. */
  readonly configured: boolean;
  /** The settings an unconfigured provider still needs, to name them where the service reports its readiness. */
  readonly missing?: string[];
  transcribe(audio: AudioFile, options: TranscribeOptions): Promise<Transcription>;
  /** Present when the provider can take audio while it is still being uploaded. */
  transcribeArriving?(audio: ArrivingAudio, options: TranscribeOptions): Promise<Transcription>;
  /**
   * Whether its answer for these options carries timings, so subtitles can be made of it; absent: always.
   * Asked before an upload is transcribed, so subtitles that cannot be made are refused before the cost.
   */
  givesTimings?(options: TranscriptionOptions): boolean;
  /** Present when the provider can fetch the audio from a URL itself (Deepgram's `url` input). */
  transcribeUrl?(audio: RemoteAudio, options: TranscribeOptions): Promise<Transcription>;
}

/** The transcriber used when the chosen provider's key is not set: it names the variable to set. */
export function unconfiguredTranscriber(provider: TranscriptionProvider, model: string, variable: string): Transcriber {
  const refuse = () =>
    Promise.reject(
      new ProviderFailure("not_configured", provider, `Set ${variable} to transcribe audio with ${provider}.`, {
        variable,
      }),
    );
  // Refuses a URL too, so a stored upload is not fetched only to be refused.
  return { provider, model, configured: false, missing: [variable], transcribe: refuse, transcribeUrl: refuse };
}
