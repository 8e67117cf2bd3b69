import * as v from "valibot";
import { conversationOf, MediaTime, type Word } from "../domain/transcript.js";
import {
  canonicalLanguageTag,
  type TranscriptLanguage,
  type TranscriptionOptions,
} from "../domain/transcription-options.js";
import type { Transcription } from "./transcriber.js";

/** The part of Deepgram's pre-recorded response we rely on. */
const DeepgramWord = v.object({
  word: v.string(),
  punctuated_word: v.optional(v.string()),
  start: MediaTime,
  end: MediaTime,
  confidence: v.optional(v.number()),
  speaker: v.optional(v.number()),
});

const ListenResponse = v.object({
  metadata: v.object({
    request_id: v.optional(v.string()),
    duration: v.fallback(v.optional(MediaTime), undefined),
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
    // Extras too, as the words are: turns with a time that is not one are left out, the transcript kept.
    utterances: v.fallback(
      v.optional(
        v.array(
          v.object({ start: MediaTime, end: MediaTime, transcript: v.string(), speaker: v.optional(v.number()) }),
        ),
      ),
      undefined,
    ),
  }),
});

/** Deepgram's answer as a transcription; undefined when it is not shaped like Deepgram's. */
export function readListenResponse(body: unknown, asked: TranscriptionOptions): Transcription | undefined {
  const parsed = v.safeParse(ListenResponse, body);
  if (!parsed.success) return undefined;
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
