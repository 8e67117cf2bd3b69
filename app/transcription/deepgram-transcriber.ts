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
import { nodeStreamFetch } from "./node-stream-fetch.js";
import { conversationOf, type Word } from "../domain/transcript.js";
import {
  canonicalLanguageTag,
  type TranscriptLanguage,
  type TranscriptionOptions,
} from "../domain/transcription-options.js";
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
  /** The model a transcriber reports before any request names one. */
  model: string;
  timeoutS: number;
  /** Deepgram's utterances (who said what, when); on when absent. */
  utterances?: boolean;
  retry?: ProviderRetryOptions;
}

/** The part of Deepgram's pre-recorded response we rely on. */
const DeepgramWord = v.object({
  word: v.string(),
  punctuated_word: v.optional(v.string()),
  start: v.number(),
  end: v.number(),
  confidence: v.optional(v.number()),
  speaker: v.optional(v.number()),
});

const ListenResponse = v.object({
  metadata: v.object({
    request_id: v.optional(v.string()),
    duration: v.optional(v.number()),
  }),
  results: v.object({
    channels: v.pipe(
      v.array(
        v.object({
          detected_language: v.optional(v.string()),
          language_confidence: v.optional(v.number()),
          alternatives: v.array(
            v.object({
              transcript: v.string(),
              confidence: v.optional(v.number()),
              // Extras: a server that sends them in another shape still gives us its transcript.
              words: v.fallback(v.optional(v.array(DeepgramWord)), undefined),
            }),
          ),
        }),
      ),
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
    fetch: nodeStreamFetch(),
  });
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

  const sendFile = (body: AttemptBody, features: DeepgramParameters, abortSignal: AbortSignal) =>
    client.listen.v1.media.transcribeFile(
      { data: body.data, contentType: body.mime, ...(body.bytes !== undefined && { contentLength: body.bytes }) },
      features,
      { abortSignal, maxRetries: 0 },
    );

  /** One request per attempt: a file is reopened each time (live bytes are sent once), a URL is simply sent again. */
  function attempts(
    audio: AudioFile | ArrivingAudio | RemoteAudio,
    features: DeepgramParameters,
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
        return await timedAttempt(timeoutMs, signal, (abortSignal) => sendFile(body, features, abortSignal), body.sent);
      } catch (error) {
        throw body.explain(error);
      }
    };
  }

  async function transcribe(
    audio: AudioFile | ArrivingAudio | RemoteAudio,
    { log, signal, options: asked }: TranscribeOptions,
  ): Promise<Transcription> {
    let body: unknown;
    try {
      body = await withProviderRetry(attempts(audio, parametersOf(asked), signal), classifyDeepgramError, {
        ...retry,
        log,
        provider: "deepgram",
        signal,
      });
    } catch (error) {
      throw toProviderFailure(error, DEEPGRAM_FAILURES);
    }
    return readListenResponse(body, asked);
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

function readListenResponse(body: unknown, asked: TranscriptionOptions): Transcription {
  const parsed = v.safeParse(ListenResponse, body);
  if (!parsed.success) {
    throw new ProviderFailure("failed", "deepgram", "Deepgram answered with an unexpected response shape.");
  }
  const { metadata, results } = parsed.output;
  const channel = results.channels[0]!;
  const best = channel.alternatives[0];
  const utterances = results.utterances?.map((utterance) => ({
    speaker: utterance.speaker === undefined ? null : `Speaker ${utterance.speaker}`,
    start: utterance.start,
    end: utterance.end,
    text: utterance.transcript,
  }));
  const words = best?.words?.map((word): Word => ({
    word: word.word,
    punctuated_word: word.punctuated_word ?? word.word,
    start: word.start,
    end: word.end,
    confidence: word.confidence ?? null,
    ...(word.speaker !== undefined && { speaker: `Speaker ${word.speaker}` }),
  }));
  return {
    transcript: conversationOf(utterances) ?? best?.transcript ?? "",
    provider: "deepgram",
    model: asked.model,
    durationS: metadata.duration ?? null,
    requestId: metadata.request_id ?? null,
    ...(utterances !== undefined && { utterances }),
    ...(words !== undefined && { words }),
    confidence: best?.confidence ?? null,
    language: languageOf(asked, channel),
  };
}

/** The language asked for; or, when detection was asked, the one Deepgram detected, with its confidence. */
function languageOf(
  asked: TranscriptionOptions,
  channel: { detected_language?: string | undefined; language_confidence?: number | undefined },
): TranscriptLanguage | null {
  if (asked.detect_language) {
    const code = channel.detected_language === undefined ? undefined : canonicalLanguageTag(channel.detected_language);
    return code === undefined ? null : { code, detected: true, confidence: channel.language_confidence ?? null };
  }
  return asked.language === null ? null : { code: asked.language, detected: false, confidence: null };
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
