import { DeepgramClient, DeepgramError } from "@deepgram/sdk";
import * as v from "valibot";
import {
  AttemptTimedOut,
  DEFAULT_PROVIDER_RETRY,
  parseRetryAfter,
  isRetryableStatus,
  withProviderRetry,
  type ProviderRetryOptions,
  timedAttempt,
  type RetryVerdict,
  toProviderFailure,
  type FailureTelling,
} from "./provider-retry.js";
import { attemptBodies, type AttemptBody } from "./attempt-bodies.js";
import { conversationOf } from "../domain/transcript.js";
import {
  type ArrivingAudio,
  type AudioFile,
  type RemoteAudio,
  type TranscribeOptions,
  type Transcriber,
  type Transcription,
} from "./transcriber.js";
import { ProviderFailure } from "../domain/failures.js";

export interface DeepgramOptions {
  apiKey: string;
  baseUrl: string;
  model: string;
  timeoutS: number;
  /** Deepgram's features; all on when absent. */
  features?: { diarize: boolean; utterances: boolean; smartFormat: boolean; punctuate: boolean };
  retry?: ProviderRetryOptions;
}

const ALL_FEATURES = { diarize: true, utterances: true, smartFormat: true, punctuate: true };

/** The part of Deepgram's pre-recorded response we rely on. */
const ListenResponse = v.object({
  metadata: v.object({
    request_id: v.optional(v.string()),
    duration: v.optional(v.number()),
  }),
  results: v.object({
    channels: v.pipe(
      v.array(v.object({ alternatives: v.array(v.object({ transcript: v.string() })) })),
      v.minLength(1),
    ),
    utterances: v.optional(
      v.array(
        v.object({ start: v.number(), end: v.number(), transcript: v.string(), speaker: v.optional(v.number()) }),
      ),
    ),
  }),
});

export function createDeepgramTranscriber(options: DeepgramOptions): Transcriber {
  // The SDK's own retries are off: it cannot reopen a file stream it has consumed, so the adapter retries.
  // The SDK's timeout is set past ours: it aborts with a bare string that surfaces as an unknown error, so
  // the adapter times each attempt itself and reports that as a timeout.
  const client = new DeepgramClient({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    timeoutInSeconds: options.timeoutS + 60,
    maxRetries: 0,
  });
  const retry = options.retry ?? DEFAULT_PROVIDER_RETRY;

  const switches = options.features ?? ALL_FEATURES;
  const features = {
    model: options.model,
    smart_format: switches.smartFormat,
    punctuate: switches.punctuate,
    diarize: switches.diarize,
    utterances: switches.utterances,
  };

  const sendFile = (body: AttemptBody, abortSignal: AbortSignal) =>
    client.listen.v1.media.transcribeFile(
      { data: body.data, contentType: body.mime, ...(body.bytes !== undefined && { contentLength: body.bytes }) },
      features,
      { abortSignal, maxRetries: 0 },
    );

  /** One request per attempt: a file is reopened each time (live bytes are sent once), a URL is simply sent again. */
  function attempts(
    audio: AudioFile | ArrivingAudio | RemoteAudio,
    signal: AbortSignal | undefined,
  ): () => Promise<unknown> {
    const timeoutMs = options.timeoutS * 1000;
    if ("url" in audio) {
      return () =>
        timedAttempt(timeoutMs, signal, (abortSignal) =>
          client.listen.v1.media.transcribeUrl({ url: audio.url, ...features }, { abortSignal, maxRetries: 0 }),
        );
    }
    const nextBody = attemptBodies(audio);
    return async () => {
      const body = await nextBody();
      try {
        return await timedAttempt(timeoutMs, signal, (abortSignal) => sendFile(body, abortSignal), body.sent);
      } catch (error) {
        throw body.explain(error);
      }
    };
  }

  async function transcribe(
    audio: AudioFile | ArrivingAudio | RemoteAudio,
    { log, signal }: TranscribeOptions,
  ): Promise<Transcription> {
    let body: unknown;
    try {
      body = await withProviderRetry(attempts(audio, signal), classifyDeepgramError, {
        ...retry,
        log,
        provider: "deepgram",
        signal,
      });
    } catch (error) {
      throw toProviderFailure(error, DEEPGRAM_FAILURES);
    }
    return readListenResponse(body, options.model);
  }

  return {
    provider: "deepgram",
    model: options.model,
    configured: true,
    transcribe,
    transcribeArriving: transcribe,
    transcribeUrl: transcribe,
  };
}

function readListenResponse(body: unknown, model: string): Transcription {
  const parsed = v.safeParse(ListenResponse, body);
  if (!parsed.success) {
    throw new ProviderFailure("failed", "deepgram", "Deepgram answered with an unexpected response shape.");
  }
  const { metadata, results } = parsed.output;
  const utterances = results.utterances?.map((utterance) => ({
    speaker: utterance.speaker === undefined ? null : `Speaker ${utterance.speaker}`,
    start: utterance.start,
    end: utterance.end,
    text: utterance.transcript,
  }));
  return {
    transcript: conversationOf(utterances) ?? results.channels[0]?.alternatives[0]?.transcript ?? "",
    provider: "deepgram",
    model,
    durationS: metadata.duration ?? null,
    requestId: metadata.request_id ?? null,
    ...(utterances !== undefined && { utterances }),
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
