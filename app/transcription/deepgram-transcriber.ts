import { DeepgramClient, DeepgramError } from "@deepgram/sdk";
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
import { attemptBodies, type AttemptBody } from "./attempt-bodies.js";
import type { TranscriptionOptions } from "../domain/transcription-options.js";
import { createAnswerKeeper, readAnswerHere, readKeptAnswer, type AnswerReader } from "./provider-answer.js";
import {
  type ArrivingAudio,
  type AudioFile,
  type RemoteAudio,
  type TextRoom,
  type TranscribeOptions,
  type Transcriber,
  type Transcription,
} from "./transcriber.js";

export interface DeepgramOptions {
  apiKey: string;
  baseUrl: string;
  /** The model a transcriber reports before any request names one. */
  model: string;
  timeoutS: number;
  /** Deepgram's utterances (who said what, when); on when absent. */
  utterances?: boolean;
  retry?: ProviderRetryOptions;
  /** Reads a success answer's bytes (the service's: on a text worker); on the calling thread when absent. */
  readAnswer?: AnswerReader;
  /** The longest answer read (`MAX_PROVIDER_ANSWER_BYTES`); longer fails the request with `TooLarge`. */
  maxAnswerBytes?: number;
}

/** One attempt's client, and its success answer's bytes once the client's call settles. */
interface AttemptClient {
  client: DeepgramClient;
  kept(call: Promise<unknown>): Promise<Uint8Array[]>;
}

export function createDeepgramTranscriber(options: DeepgramOptions): Transcriber {
  // The SDK's own retries are off: it cannot reopen a file stream it has consumed, so the adapter retries.
  // The SDK's timeout is set past ours: it aborts with a bare string that surfaces as an unknown error, so
  // the adapter times each attempt itself and reports that as a timeout.
  // Each attempt has a client of its own, whose `fetch` keeps the success answer's bytes from the SDK: it
  // would decode and parse tens of megabytes of JSON on the event loop for a long recording.
  const attemptClient = (textRoom: TextRoom | undefined, pause: AttemptPause): AttemptClient => {
    const keeper = createAnswerKeeper(options.maxAnswerBytes, textRoom, pause);
    const client = new DeepgramClient({
      apiKey: options.apiKey,
      baseUrl: options.baseUrl,
      timeoutInSeconds: options.timeoutS + 60,
      maxRetries: 0,
      fetch: keeper.fetch,
    });
    return { client, kept: keeper.kept };
  };
  const readAnswer = options.readAnswer ?? readAnswerHere;
  const retry = options.retry ?? DEFAULT_PROVIDER_RETRY;

  const utterances = options.utterances ?? true;

  /** A request's options as Deepgram's query parameters (repeated ones as arrays: `keyterm=a&keyterm=b`). */
  const parametersOf = (asked: TranscriptionOptions) => ({
    model: asked.model,
    ...(asked.language !== null && { language: asked.language }),
    ...(asked.detect_language && { detect_language: true }),
    ...(asked.keyterm.length > 0 && { keyterm: asked.keyterm }),
    // The SDK types `redact` as one string, and sends an array as repeated parameters, as Deepgram takes them.
    ...(asked.redact.length > 0 && { redact: asked.redact as unknown as string }),
    smart_format: asked.smart_format,
    punctuate: asked.punctuate,
    diarize: asked.diarize,
    utterances,
  });

  const sendFile = (
    { client }: AttemptClient,
    body: AttemptBody,
    features: DeepgramParameters,
    abortSignal: AbortSignal,
  ) =>
    client.listen.v1.media.transcribeFile(
      { data: body.data, contentType: body.mime, ...(body.bytes !== undefined && { contentLength: body.bytes }) },
      features,
      { abortSignal, maxRetries: 0 },
    );

  /** One request per attempt: a file is reopened each time (live bytes are sent once), a URL is simply sent again. */
  function attempts(
    audio: AudioFile | ArrivingAudio | RemoteAudio,
    features: DeepgramParameters,
    { signal, textRoom }: Pick<TranscribeOptions, "signal" | "textRoom">,
  ): () => Promise<Uint8Array[]> {
    const timeoutMs = options.timeoutS * 1000;
    if ("url" in audio) {
      return async () =>
        timedAttempt(timeoutMs, signal, (abortSignal, pause) => {
          const attempt = attemptClient(textRoom, pause);
          return attempt.kept(
            attempt.client.listen.v1.media.transcribeUrl(
              { url: audio.url, ...features },
              { abortSignal, maxRetries: 0 },
            ),
          );
        });
    }
    const nextBody = attemptBodies(audio);
    return async () => {
      const body = await nextBody();
      try {
        return await timedAttempt(
          timeoutMs,
          signal,
          (abortSignal, pause) => {
            const attempt = attemptClient(textRoom, pause);
            return attempt.kept(sendFile(attempt, body, features, abortSignal));
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
    audio: AudioFile | ArrivingAudio | RemoteAudio,
    transcribeOptions: TranscribeOptions,
  ): Promise<Transcription> {
    const { log, signal, options: asked } = transcribeOptions;
    let answer: Uint8Array[];
    try {
      answer = await withProviderRetry(attempts(audio, parametersOf(asked), transcribeOptions), classifyDeepgramError, {
        ...retry,
        log,
        provider: "deepgram",
        signal,
      });
    } catch (error) {
      throw toProviderFailure(error, DEEPGRAM_FAILURES);
    }
    return readKeptAnswer(readAnswer, { provider: "deepgram", chunks: answer }, transcribeOptions, DEEPGRAM_FAILURES);
  }

  type DeepgramParameters = ReturnType<typeof parametersOf>;

  return {
    provider: "deepgram",
    model: options.model,
    configured: true,
    transcribe,
    transcribeArriving: transcribe,
    transcribeUrl: transcribe,
  };
}

export function classifyDeepgramError(error: unknown): RetryVerdict {
  if (error instanceof AttemptTimedOut) return { retryable: false, reason: "timeout" };
  if (error instanceof DeepgramError) {
    const status = error.statusCode;
    if (status === undefined) return { retryable: true, reason: "network" };
    // A success status with an unreadable body is a response cut short in transit.
    if (status < 300) return { retryable: true, reason: "truncated response" };
    return {
      retryable: isRetryableStatus(status),
      retryAfterMs: parseRetryAfter(error.rawResponse?.headers.get("retry-after")),
      reason: `status ${status}`,
    };
  }
  return { retryable: false, reason: error instanceof Error ? error.name : "unknown" };
}

/** Deepgram's failures, told the one way every provider's are. */
const DEEPGRAM_FAILURES: FailureTelling = {
  provider: "deepgram",
  subject: "Deepgram",
  statusOf: (cause) => (cause instanceof DeepgramError ? cause.statusCode : undefined),
};
