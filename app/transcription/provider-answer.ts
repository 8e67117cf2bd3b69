import type { TranscriptionOptions } from "../domain/transcription-options.js";
import { readListenResponse } from "./deepgram-answer.js";
import { readTranscriptionResponse } from "./openai-transcription-answer.js";
import type { Transcription } from "./transcriber.js";

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
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(answer.chunks).toString("utf8"));
  } catch {
    return undefined;
  }
  return READERS[answer.provider](body, asked);
}

export const readAnswerHere: AnswerReader = (answer, asked) => Promise.resolve(readProviderAnswer(answer, asked));
