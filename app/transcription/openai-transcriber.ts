import OpenAI, { toStreamingFile, type APIError } from "openai";
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
import { attemptBodies } from "./attempt-bodies.js";
import { conversationOf, type Word } from "../domain/transcript.js";
import { primaryLanguage, type TranscriptionOptions } from "../domain/transcription-options.js";
import { whisperLanguageTag } from "./whisper-language.js";
import { resolveFormat, type OpenAiTranscriptionFormat } from "./openai-transcription-format.js";
import {
  type ArrivingAudio,
  type AudioFile,
  type TranscribeOptions,
  type Transcriber,
  type Transcription,
} from "./transcriber.js";
import { ProviderFailure } from "../domain/failures.js";

const Segment = v.object({
  start: v.number(),
  end: v.number(),
  text: v.string(),
  speaker: v.optional(v.union([v.string(), v.number()])),
});

/**
 * The part of an OpenAI-compatible transcription answer we rely on: the text. Segments and duration are
 * extras: a server that sends them in another shape still gives us its text.
 */
const TimedWord = v.object({
  word: v.string(),
  start: v.number(),
  end: v.number(),
  // Self-hosted Whisper servers (faster-whisper) give each word's probability; OpenAI gives none.
  probability: v.optional(v.number()),
});

const TranscriptionResponse = v.object({
  text: v.string(),
  duration: v.fallback(v.optional(v.number()), undefined),
  language: v.fallback(v.optional(v.string()), undefined),
  segments: v.fallback(v.optional(v.array(Segment)), undefined),
  words: v.fallback(v.optional(v.array(TimedWord)), undefined),
});

export interface OpenAiTranscriberOptions {
  apiKey: string;
  baseUrl: string | undefined;
  /** The model a transcriber reports before any request names one. */
  model: string;
  format?: OpenAiTranscriptionFormat;
  timeoutS: number;
  retry?: ProviderRetryOptions;
}

/**
 * Any OpenAI-compatible `/audio/transcriptions` endpoint (OpenAI itself, or a self-hosted Whisper server).
 * The file is streamed into the multipart request, reopened on each attempt.
 */
export function createOpenAiTranscriber(options: OpenAiTranscriberOptions): Transcriber {
  // One retry layer: the adapter's, which reopens the file; the SDK's own retries are off.
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl,
    // Past our own per-attempt timeout, which is the one that reports a timeout.
    timeout: (options.timeoutS + 60) * 1000,
    maxRetries: 0,
  });
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
    signal: AbortSignal | undefined,
  ): () => Promise<unknown> {
    const nextBody = attemptBodies(audio);
    return async () => {
      const body = await nextBody();
      try {
        return await timedAttempt(
          options.timeoutS * 1000,
          signal,
          (abortSignal) =>
            client.audio.transcriptions.create(
              {
                file: toStreamingFile(body.data, `audio.${extensionOf(body.mime)}`, { type: body.mime }),
                ...parameters,
              },
              { signal: abortSignal },
            ),
          body.sent,
        );
      } catch (error) {
        throw body.explain(error);
      }
    };
  }

  async function transcribe(
    audio: AudioFile | ArrivingAudio,
    { log, signal, options: asked }: TranscribeOptions,
  ): Promise<Transcription> {
    let body: unknown;
    try {
      body = await withProviderRetry(attempts(audio, parametersOf(asked), signal), classifyOpenAiError, {
        ...retry,
        log,
        provider: "openai",
        signal,
      });
    } catch (error) {
      throw toProviderFailure(error, OPENAI_FAILURES);
    }
    const parsed = v.safeParse(TranscriptionResponse, body);
    if (!parsed.success) {
      throw new ProviderFailure(
        "failed",
        "openai",
        "The transcription server answered with an unexpected response shape.",
      );
    }
    const { text, duration, segments, words, language } = parsed.output;
    const utterances = segments?.map((segment) => ({
      speaker: speakerName(segment.speaker),
      start: segment.start,
      end: segment.end,
      text: segment.text.trim(),
    }));
    const detected = asked.language === null ? whisperLanguageTag(language) : undefined;
    return {
      transcript: conversationOf(utterances) ?? text,
      provider: "openai",
      model: asked.model,
      durationS: duration ?? null,
      requestId: null,
      ...(utterances !== undefined && { utterances }),
      ...(words !== undefined && { words: words.map(toWord) }),
      confidence: null,
      language:
        asked.language !== null
          ? { code: asked.language, detected: false, confidence: null }
          : detected === undefined
            ? null
            : { code: detected, detected: true, confidence: null },
    };
  }

  return { provider: "openai", model: options.model, configured: true, transcribe, transcribeArriving: transcribe };
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

/** A Whisper word (`" Hello,"`) as the API answers words: written as heard, and bare for search. */
function toWord(word: v.InferOutput<typeof TimedWord>): Word {
  const written = word.word.trim();
  return {
    word: bareWord(written),
    punctuated_word: written,
    start: word.start,
    end: word.end,
    confidence: word.probability ?? null,
  };
}

/** A word without the punctuation around it, in lower case: `"Friday."` → `friday`. */
function bareWord(written: string): string {
  const isWordCharacter = (character: string) => /[\p{L}\p{N}']/u.test(character);
  const characters = Array.from(written);
  let start = 0;
  let end = characters.length;
  while (start < end && !isWordCharacter(characters[start]!)) start++;
  while (end > start && !isWordCharacter(characters[end - 1]!)) end--;
  return characters.slice(start, end).join("").toLowerCase();
}

const MAX_SPEAKER_CHARS = 40;

/** A bare speaker id (`A`, `0`) reads as `Speaker A`, like Deepgram's; a name (`agent`) stays as it is. */
function speakerName(speaker: string | number | undefined): string | null {
  if (typeof speaker === "number") return `Speaker ${speaker}`;
  // A name heads a transcript line as its label: one line, and as long as a label may be.
  const name = speaker?.trim().replace(/\s+/g, " ").slice(0, MAX_SPEAKER_CHARS);
  if (name === undefined || name === "") return null;
  return /^(?:[A-Z]|\d+)$/.test(name) ? `Speaker ${name}` : name;
}

/** Whisper servers infer the format from the file name's extension. */
function extensionOf(mime: string): string {
  const subtype = mime.split(";")[0]?.split("/")[1] ?? "bin";
  const known: Record<string, string> = { mpeg: "mp3", "x-m4a": "m4a", aiff: "aiff", "x-aiff": "aiff" };
  return known[subtype] ?? subtype;
}
