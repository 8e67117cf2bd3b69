import * as v from "valibot";
import { conversationOf, MediaTime, type Word } from "../domain/transcript.js";
import type { TranscriptionOptions } from "../domain/transcription-options.js";
import type { Transcription } from "./transcriber.js";
import { whisperLanguageTag } from "./whisper-language.js";
import { punctuateWords } from "./word-punctuation.js";

// An OpenAI-compatible server's transcription answer, read into our words and speakers.

const Segment = v.object({
  start: MediaTime,
  end: MediaTime,
  text: v.string(),
  speaker: v.optional(v.union([v.string(), v.number()])),
});

/** A word with its timings, as `timestamp_granularities: ["word"]` asks for. */
const TimedWord = v.object({
  word: v.string(),
  start: MediaTime,
  end: MediaTime,
  // Self-hosted Whisper servers (faster-whisper) give each word's probability; OpenAI gives none.
  probability: v.optional(v.number()),
});

/**
 * The part of an OpenAI-compatible transcription answer we rely on: the text. Segments and duration are
 * extras: a server that sends them in another shape still gives us its text.
 */
const TranscriptionResponse = v.object({
  text: v.string(),
  duration: v.fallback(v.optional(MediaTime), undefined),
  language: v.fallback(v.optional(v.string()), undefined),
  segments: v.fallback(v.optional(v.array(Segment)), undefined),
  words: v.fallback(v.optional(v.array(TimedWord)), undefined),
});

/** An OpenAI-compatible server's answer as a transcription; undefined when it is not shaped like one. */
export function readTranscriptionResponse(body: unknown, asked: TranscriptionOptions): Transcription | undefined {
  const parsed = v.safeParse(TranscriptionResponse, body);
  if (!parsed.success) return undefined;
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
    ...(words !== undefined && { words: punctuateWords(words.map(toWord), text) }),
    confidence: null,
    language:
      asked.language !== null
        ? { code: asked.language, detected: false, confidence: null }
        : detected === undefined
          ? null
          : { code: detected, detected: true, confidence: null },
  };
}

/** A Whisper word (`"Hello"`, or a self-hosted server's `" Hello,"`): written as heard, and bare for search. */
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
