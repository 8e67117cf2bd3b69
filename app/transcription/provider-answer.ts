import { ProviderFailure, TooLarge } from "../domain/failures.js";
import type { TranscriptionOptions } from "../domain/transcription-options.js";
import { AnswerTooLarge, nodeStreamFetch } from "./node-stream-fetch.js";
import { AnswerRoomRefused, type AttemptPause, type FailureTelling } from "./provider-retry.js";
import { readListenResponse } from "./deepgram-answer.js";
import { readTranscriptionResponse } from "./openai-transcription-answer.js";
import type { TextRoom, TranscribeOptions, Transcription } from "./transcriber.js";

/** A provider's success answer as it came off the wire: its JSON's bytes in the chunks they arrived in. */
export interface ProviderAnswer {
  provider: keyof typeof READERS;
  chunks: readonly Uint8Array[];
}

/** Each provider's answer, parsed JSON in, a transcription (or undefined: not its shape) out. */
const READERS = { deepgram: readListenResponse, openai: readTranscriptionResponse } satisfies Record<
  string,
  (body: unknown, asked: TranscriptionOptions) => Transcription | undefined
>;

/**
 * Reads a provider's answer into a transcription; resolves undefined when it is not JSON shaped like that
 * provider's answer. A long recording's answer is tens of megabytes of JSON, hundreds of milliseconds to
 * parse and check: the service reads it on a text worker so the event loop keeps answering meanwhile.
 */
export type AnswerReader = (
  answer: ProviderAnswer,
  asked: TranscriptionOptions,
  signal?: AbortSignal,
) => Promise<Transcription | undefined>;

/** Reads an answer on the calling thread: what a text worker runs, and the reader of tools and tests. */
export function readProviderAnswer(answer: ProviderAnswer, asked: TranscriptionOptions): Transcription | undefined {
  return readAnswerBody(answer.provider, parsedJson(textOf(answer.chunks)), asked);
}

/** The answer's text, its chunks joined and decoded. */
export const textOf = (chunks: readonly Uint8Array[]) => Buffer.concat(chunks).toString("utf8");

const NOT_JSON = Symbol("not JSON");

/** The text parsed, or `NOT_JSON`. A function of its own, so the text is not held once it is parsed. */
export function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}

/** Reads an answer's parsed JSON (undefined: not JSON shaped like that provider's answer). */
export function readAnswerBody(
  provider: ProviderAnswer["provider"],
  body: unknown,
  asked: TranscriptionOptions,
): Transcription | undefined {
  return body === NOT_JSON ? undefined : READERS[provider](body, asked);
}

export const readAnswerHere: AnswerReader = (answer, asked) => Promise.resolve(readProviderAnswer(answer, asked));

/**
 * The longest answer read when the composition root sets none (`MAX_PROVIDER_ANSWER_BYTES`' default): about
 * 55 hours of diarized speech with every word, and a quarter of what a text worker's heap can parse.
 */
export const DEFAULT_MAX_ANSWER_BYTES = 128 * 1024 * 1024;

/**
 * One attempt's `fetch`, which keeps the success answer's bytes from the SDK that calls it (the SDK reads
 * `{}`), and `kept`, which gives those bytes once the SDK's call through that `fetch` has settled.
 *
 * An answer over `maxBytes` is not read on (a recording long enough to give one would otherwise hold it all
 * in memory, and then again as words): its call fails with `TooLarge`, which no attempt repeats. The SDKs
 * would report the `fetch` that stopped reading as a network failure, worth retrying, so `kept` tells it.
 *
 * An answer longer than `SHORT_ANSWER_BYTES` takes its room in the text budget (`textRoom`) before it is
 * held, not once it has all arrived: it is held, then parsed, at several times its size, so several long
 * answers at once wait their turn (unread, the provider held by backpressure) as large captions files do.
 * A refusal fails the call with `AnswerRoomRefused`. The attempt's timeout stands still meanwhile (`pause`):
 * the wait is this instance's, not the provider's.
 */
export function createAnswerKeeper(
  maxBytes = DEFAULT_MAX_ANSWER_BYTES,
  textRoom?: TextRoom,
  pause: AttemptPause = (waiting) => waiting,
) {
  let chunks: Uint8Array[] = [];
  let overLimit = false;
  let refusal: Error | undefined;
  const roomForSuccessBody =
    textRoom &&
    ((bytes: number) =>
      bytes > SHORT_ANSWER_BYTES
        ? pause(textRoom(bytes)).catch((error: unknown) => {
            refusal = error instanceof Error ? error : new Error(String(error));
            throw refusal;
          })
        : undefined);
  const keeping = nodeStreamFetch({
    keepSuccessBody: (kept) => (chunks = kept),
    maxSuccessBytes: maxBytes,
    ...(roomForSuccessBody && { roomForSuccessBody }),
  });
  const fetch: typeof globalThis.fetch = (input, init) =>
    keeping(input, init).catch((error: unknown) => {
      overLimit ||= error instanceof AnswerTooLarge;
      throw error;
    });
  const kept = async (call: Promise<unknown>): Promise<Uint8Array[]> => {
    try {
      await call;
    } catch (error) {
      if (overLimit)
        throw new TooLarge(
          "Transcripts of one recording (the provider's answer, every word with its timings)",
          maxBytes,
        );
      if (refusal !== undefined) throw new AnswerRoomRefused(refusal);
      throw error;
    }
    return chunks;
  };
  return { fetch, kept };
}

/**
 * An answer this short (every recording of a few minutes) is read where it arrives, its parse costing less
 * than a worker's round trip, and takes no room of the text budget.
 */
export const SHORT_ANSWER_BYTES = 64 * 1024;

export const answerBytes = (answer: ProviderAnswer) =>
  answer.chunks.reduce((total, chunk) => total + chunk.byteLength, 0);

/**
 * A kept answer read by `readAnswer` (in the room its keeper took), or refused as the provider's failure when
 * it is not its shape.
 */
export async function readKeptAnswer(
  readAnswer: AnswerReader,
  answer: ProviderAnswer,
  { options: asked, signal }: Pick<TranscribeOptions, "options" | "signal">,
  { provider, subject }: FailureTelling,
): Promise<Transcription> {
  const transcription = await readAnswer(answer, asked, signal);
  if (transcription === undefined) {
    throw new ProviderFailure("failed", provider, `${subject} answered with an unexpected response shape.`);
  }
  return transcription;
}
