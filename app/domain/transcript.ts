import * as v from "valibot";
import { TRANSCRIPTION_PROVIDERS } from "./names.js";

/** Where a raw transcript came from: a transcribed recording, or imported captions. */
export const TRANSCRIPT_SOURCES = ["audio", "captions"] as const;
export type TranscriptSource = (typeof TRANSCRIPT_SOURCES)[number];

/** What is known about how a transcript was made; `null` where unknown. Defined once: the API answers this shape. */
export const TranscriptMetadata = v.object({
  provider: v.nullable(v.picklist(TRANSCRIPTION_PROVIDERS)),
  model: v.nullable(v.string()),
  duration_s: v.nullable(v.number()),
  request_id: v.nullable(v.string()),
});
export type TranscriptMetadata = v.InferOutput<typeof TranscriptMetadata>;

/**
 * The latest time, in seconds, a transcript holds: 100,000 hours, past any recording. A later time is a typo or
 * an attack, and a time of hundreds of digits would be `Infinity`, which JSON writes as `null`.
 */
export const MAX_MEDIA_TIME_S = 360_000_000;

/** A time read from outside (a provider's answer, an answer sent back): from 0 to `MAX_MEDIA_TIME_S`. */
export const MediaTime = v.pipe(v.number(), v.minValue(0), v.maxValue(MAX_MEDIA_TIME_S));

/** Who said what, when: from the provider's diarization, or a captions cue (its voice and times). */
export const Utterance = v.object({
  speaker: v.pipe(
    v.nullable(v.string()),
    v.description("A name (captions) or `Speaker N` (diarization); null when unknown"),
  ),
  start: v.pipe(v.number(), v.description("Seconds from the start")),
  end: v.pipe(v.number(), v.description("Seconds from the start")),
  text: v.string(),
});
export type Utterance = v.InferOutput<typeof Utterance>;

/** One recognised word: what a caption editor or a search index needs. */
export const Word = v.object({
  word: v.pipe(v.string(), v.description("The word as recognised, lower case, no punctuation")),
  punctuated_word: v.pipe(v.string(), v.description("The word as written in the transcript")),
  start: v.pipe(v.number(), v.description("Seconds from the start")),
  end: v.pipe(v.number(), v.description("Seconds from the start")),
  confidence: v.pipe(v.nullable(v.number()), v.description("0–1; null when the provider gives none")),
  speaker: v.optional(v.pipe(v.string(), v.description("`Speaker N`, when diarized"))),
});
export type Word = v.InferOutput<typeof Word>;

/**
 * With every utterance's speaker known, the transcript reads as a conversation: one `Speaker: …` line per
 * turn, consecutive utterances of one speaker joined. Undefined when a speaker is unknown.
 */
export function conversationOf(utterances: readonly Utterance[] | undefined): string | undefined {
  if (!isConversation(utterances) || utterances.length === 0) return undefined;
  const turns: Array<{ speaker: string; texts: string[] }> = [];
  for (const { speaker, text } of utterances) {
    const last = turns.at(-1);
    if (last?.speaker === speaker) last.texts.push(text);
    else turns.push({ speaker: speaker!, texts: [text] });
  }
  return turns.map((turn) => `${turn.speaker}: ${turn.texts.join(" ")}`).join("\n");
}

/** The speakers that head the lines of `conversationOf(utterances)`: none when the utterances are not a conversation. */
export function speakersOfConversation(utterances: readonly Utterance[] | undefined): string[] {
  if (!isConversation(utterances)) return [];
  return [...new Set(utterances.map((utterance) => utterance.speaker!))];
}

/** Every utterance's speaker known. */
function isConversation(utterances: readonly Utterance[] | undefined): utterances is readonly Utterance[] {
  return utterances !== undefined && utterances.every((utterance) => utterance.speaker !== null);
}

/**
 * Whether a transcript has timed parts to make subtitles of. One whose parts all clean to nothing (a captions
 * import of fillers only) has: its subtitles are a file without cues, as its cleaned transcript is empty.
 */
export function hasTimings(transcript: {
  words?: readonly Word[] | undefined;
  utterances?: readonly Utterance[] | undefined;
}): boolean {
  return (transcript.words?.length ?? 0) > 0 || (transcript.utterances?.length ?? 0) > 0;
}
