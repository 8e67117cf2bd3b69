import OpenAI, { toStreamingFile, type APIError } from "openai";
import {
  AttemptTimedOut,
  type AttemptPause,
  DEFAULT_PROVIDER_RETRY,
  parseRetryAfter,
  withProviderRetry,
  type ProviderRetryOptions,
  timedAttempt,
  type RetryVerdict,
  toProviderFailure,
  type FailureTelling,
} from "./provider-retry.js";
import { isRetryableStatus } from "../resilience/retryable-status.js";
import { attemptBodies } from "./attempt-bodies.js";
import { primaryLanguage, type TranscriptionOptions } from "../domain/transcription-options.js";
import { resolveFormat, type OpenAiTranscriptionFormat } from "./openai-transcription-format.js";
import { createAnswerKeeper, readAnswerHere, readKeptAnswer, type AnswerReader } from "./provider-answer.js";
import {
  type ArrivingAudio,
  type AudioFile,
  type TextRoom,
  type TranscribeOptions,
  type Transcriber,
  type Transcription,
} from "./transcriber.js";

export interface OpenAiTranscriberOptions {
  apiKey: string;
  baseUrl: string | undefined;
  /** The model a transcriber reports before any request names one. */
  model: string;
  format?: OpenAiTranscriptionFormat;
  timeoutS: number;
  retry?: ProviderRetryOptions;
  /** Reads a success answer's bytes (the service's: on a text worker); on the calling thread when absent. */
  readAnswer?: AnswerReader;
  /** The longest answer read (`MAX_PROVIDER_ANSWER_BYTES`); longer fails the request with `TooLarge`. */
  maxAnswerBytes?: number;
}

/**
 * Any OpenAI-compatible `/audio/transcriptions` endpoint (OpenAI itself, or a self-hosted Whisper server).
 * The file is streamed into the multipart request, reopened on each attempt.
 */
export function createOpenAiTranscriber(options: OpenAiTranscriberOptions): Transcriber {
  // One retry layer: the adapter's, which reopens the file; the SDK's own retries are off. Each attempt has a
  // client of its own, whose `fetch` keeps the success answer's bytes from the SDK, which would parse a long
  // recording's words on the event loop.
  const attemptClient = (textRoom: TextRoom | undefined, pause: AttemptPause) => {
    const keeper = createAnswerKeeper(options.maxAnswerBytes, textRoom, pause);
    const client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      // Past our own per-attempt timeout, which is the one that reports a timeout.
      timeout: (options.timeoutS + 60) * 1000,
      maxRetries: 0,
      fetch: keeper.fetch,
    });
    return { client, kept: keeper.kept };
  };
  const readAnswer = options.readAnswer ?? readAnswerHere;
  const retry = options.retry ?? DEFAULT_PROVIDER_RETRY;

  /** A request's options as the server's form fields: the format by model, the language, key terms as the prompt. */
  function parametersOf(asked: TranscriptionOptions) {
    const format = resolveFormat(options.format ?? "auto", asked.model);
    return {
      model: asked.model,
      ...(format === "verbose_json"
        ? { response_format: format, timestamp_granularities: ["word" as const, "segment" as const] }
        : format === "diarized_json"
          ? // Needed for diarization of anything longer than 30 s.
            { response_format: format, chunking_strategy: "auto" as const }
          : { response_format: format }),
      // The server takes ISO 639-1 (`es`), not a region.
      ...(asked.language !== null && { language: primaryLanguage(asked.language) }),
      ...(asked.keyterm.length > 0 && { prompt: `Key terms: ${asked.keyterm.join(", ")}.` }),
    };
  }

  /** One request per attempt: the file is reopened each time (live bytes are sent once). */
  function attempts(
    audio: AudioFile | ArrivingAudio,
    parameters: ReturnType<typeof parametersOf>,
    { signal, textRoom }: Pick<TranscribeOptions, "signal" | "textRoom">,
  ): () => Promise<Uint8Array[]> {
    const nextBody = attemptBodies(audio);
    return async () => {
      const body = await nextBody();
      try {
        return await timedAttempt(
          options.timeoutS * 1000,
          signal,
          (abortSignal, pause) => {
            const { client, kept } = attemptClient(textRoom, pause);
            return kept(
              client.audio.transcriptions.create(
                {
                  file: toStreamingFile(body.data, `audio.${extensionOf(body.mime)}`, { type: body.mime }),
                  ...parameters,
                },
                { signal: abortSignal },
              ),
            );
          },
          body.sent,
        );
      } catch (error) {
        throw body.explain(error);
      } finally {
        body.close();
      }
    };
  }

  async function transcribe(
    audio: AudioFile | ArrivingAudio,
    transcribeOptions: TranscribeOptions,
  ): Promise<Transcription> {
    const { log, signal, options: asked } = transcribeOptions;
    let answer: Uint8Array[];
    try {
      answer = await withProviderRetry(attempts(audio, parametersOf(asked), transcribeOptions), classifyOpenAiError, {
        ...retry,
        log,
        provider: "openai",
        signal,
      });
    } catch (error) {
      throw toProviderFailure(error, OPENAI_FAILURES);
    }
    return readKeptAnswer(readAnswer, { provider: "openai", chunks: answer }, transcribeOptions, OPENAI_FAILURES);
  }

  // `json` is text alone: OpenAI's gpt-4o models (but the diarizing one) answer nothing else.
  const givesTimings = (asked: TranscriptionOptions) => resolveFormat(options.format ?? "auto", asked.model) !== "json";
  return {
    provider: "openai",
    model: options.model,
    configured: true,
    transcribe,
    transcribeArriving: transcribe,
    givesTimings,
  };
}

export function classifyOpenAiError(error: unknown): RetryVerdict {
  if (error instanceof AttemptTimedOut) return { retryable: false, reason: "timeout" };
  if (error instanceof OpenAI.APIUserAbortError) return { retryable: false, reason: "aborted" };
  if (error instanceof OpenAI.APIConnectionError) return { retryable: true, reason: "network" };
  if (error instanceof OpenAI.APIError) {
    // The SDK's error generics default to `any`; these are the types it documents.
    const { status, headers } = error as APIError<number | undefined, Headers | undefined>;
    if (status === undefined) return { retryable: true, reason: "network" };
    return {
      retryable: isRetryableStatus(status),
      retryAfterMs: parseRetryAfter(headers?.get("retry-after")),
      reason: `status ${status}`,
    };
  }
  return { retryable: false, reason: error instanceof Error ? error.name : "unknown" };
}

/** The OpenAI-compatible server's failures, told the one way every provider's are. */
const OPENAI_FAILURES: FailureTelling = {
  provider: "openai",
  subject: "The transcription server",
  statusOf: (cause) => (cause instanceof OpenAI.APIError ? (cause as APIError<number | undefined>).status : undefined),
};

/** Whisper servers infer the format from the file name's extension. */
function extensionOf(mime: string): string {
  const subtype = mime.split(";")[0]?.split("/")[1] ?? "bin";
  const known: Record<string, string> = { mpeg: "mp3", "x-m4a": "m4a", aiff: "aiff", "x-aiff": "aiff" };
  return known[subtype] ?? subtype;
}
