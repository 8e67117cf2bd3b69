import { cleanWithRules } from "../cleaning/rules-cleaner.js";
import type { TranscriptSource, Utterance, Word } from "../domain/transcript.js";

/** How cues are laid out: characters per line and lines per cue, as caption style guides count them. */
export interface SubtitleLayout {
  maxLineChars: number;
  maxLines: number;
}

export const DEFAULT_SUBTITLE_LAYOUT: SubtitleLayout = { maxLineChars: 42, maxLines: 2 };
export const SUBTITLE_LAYOUT_LIMITS = {
  maxLineChars: { min: 16, max: 120 },
  maxLines: { min: 1, max: 4 },
} as const;

/**
 * How a cue names its speaker: beside its text (WebVTT's voice tags), or in its text where the speaker
 * changes (SRT has no voices: `Ana: …`, the name counted in the line's length, as a caption style guide counts it).
 */
export type SpeakerNaming = "voice" | "in-text";

/** One cue: when, who, and its text already wrapped into lines (with the speaker's name, when named in the text). */
export interface Cue {
  start: number;
  end: number;
  speaker: string | null;
  lines: string[];
}

/** What subtitles are made from: a transcript's timed parts. */
export interface TimedTranscript {
  source: TranscriptSource;
  words?: Word[] | undefined;
  utterances?: Utterance[] | undefined;
  /** The transcript's language (BCP-47), for cleaning a captions import's cues; null when not known. */
  language: string | null;
}

/** A pause this long between two words starts a new cue; a cue is not held on screen longer than the limit. */
const MAX_PAUSE_S = 1.5;
const MAX_CUE_S = 7;

/**
 * The cues of a transcript, or an empty list when it has no timings or nothing of it is left to show. Audio is cut from its words (or, with
 * none, from its timed utterances, their time shared out by length): a new cue at a change of speaker, a
 * pause, or a full cue. A captions import keeps its own cues, each cleaned by the rules of its language (and
 * cut where it has more lines than a cue may).
 */
export function cuesOf(transcript: TimedTranscript, layout: SubtitleLayout, naming: SpeakerNaming): Cue[] {
  const cutting = { ...layout, naming };
  if (transcript.source === "captions")
    return ownCues(inStartOrder(transcript.utterances ?? []), transcript.language, cutting);
  const words =
    transcript.words !== undefined && transcript.words.length > 0
      ? transcript.words
      : wordsOfUtterances(transcript.utterances ?? []);
  return wordCues(inStartOrder(words), cutting);
}

type Cutting = SubtitleLayout & { naming: SpeakerNaming };

/**
 * Timed parts in order of their start, as WebVTT's cues must be and as cues are cut from words; a transcript
 * sent back may hold them in any order (players and parsers refuse a file out of order). Already in order,
 * as the service's own are, the same list.
 */
export function inStartOrder<T extends { start: number }>(parts: readonly T[]): readonly T[] {
  const ordered = parts.every((part, index) => index === 0 || parts[index - 1]!.start <= part.start);
  return ordered ? parts : parts.toSorted((a, b) => a.start - b.start);
}

function wordCues(words: readonly Word[], layout: Cutting): Cue[] {
  const cues: Cue[] = [];
  let cue: Cue | undefined;
  for (const word of words) {
    const text = word.punctuated_word.trim().replace(/\s+/g, " ");
    if (text === "") continue;
    const speaker = word.speaker ?? null;
    const startsAnew =
      cue === undefined ||
      cue.speaker !== speaker ||
      word.start - cue.end > MAX_PAUSE_S ||
      word.end - cue.start > MAX_CUE_S ||
      !fits(cue.lines, text, layout);
    if (startsAnew) {
      const lines = firstLines(nameOfTurn(speaker, cues.at(-1), layout.naming), text, layout);
      cue = { start: word.start, end: word.end, speaker, lines };
      cues.push(cue);
      continue;
    }
    append(cue!.lines, text, layout.maxLineChars);
    cue!.end = Math.max(cue!.end, word.end);
  }
  return cues;
}

/** A speaker's name on one line, its blanks collapsed (a name sent back in an answer may hold line breaks). */
export const speakerName = (speaker: string | null) => (speaker ?? "").replace(/\s+/g, " ").trim();

/** The name written in the text before a cue's words (`Ana:`): where the speaker changes from the cue before. */
function nameOfTurn(speaker: string | null, before: Cue | undefined, naming: SpeakerNaming): string {
  if (naming === "voice") return "";
  const name = speakerName(speaker);
  return name !== "" && name !== speakerName(before?.speaker ?? null) ? `${name}:` : "";
}

/**
 * A cue's first lines: its first word, after the speaker's name when it has one; the name on a line of its
 * own when both do not fit on one and the cue has a second (with one line, they share it: a name is not cut).
 */
function firstLines(name: string, word: string, layout: SubtitleLayout): string[] {
  if (name === "") return [word];
  const both = `${name} ${word}`;
  return both.length <= layout.maxLineChars || layout.maxLines === 1 ? [both] : [name, word];
}

/** Whether a word still fits in a cue: on its last line, or on a new line when the cue has one to spare. */
function fits(lines: readonly string[], word: string, layout: SubtitleLayout): boolean {
  const last = lines.at(-1) ?? "";
  return last.length + 1 + word.length <= layout.maxLineChars || lines.length < layout.maxLines;
}

/** Adds a word to the last line, or starts a line with it when the last is full. A word longer than a line stands alone. */
function append(lines: string[], word: string, maxLineChars: number): void {
  const last = lines.at(-1);
  if (last !== undefined && last.length + 1 + word.length <= maxLineChars) lines[lines.length - 1] = `${last} ${word}`;
  else lines.push(word);
}

/** Timed utterances without words: each word gets a share of its utterance's time in proportion to its length. */
function wordsOfUtterances(utterances: readonly Utterance[]): Word[] {
  return utterances.flatMap((utterance) => {
    const texts = utterance.text.split(/\s+/).filter((text) => text !== "");
    const chars = texts.reduce((sum, text) => sum + text.length, 0);
    const perChar = chars === 0 ? 0 : Math.max(0, utterance.end - utterance.start) / chars;
    let at = utterance.start;
    return texts.map((text) => {
      const start = at;
      at += text.length * perChar;
      return {
        word: text.toLowerCase(),
        punctuated_word: text,
        start,
        end: at,
        confidence: null,
        ...(utterance.speaker !== null && { speaker: utterance.speaker }),
      };
    });
  });
}

/**
 * A captions file's own cues, cleaned; a cue cleaned to nothing (fillers only) is left out. A cue with more
 * lines than the layout allows becomes consecutive cues of at most that many, its time shared by their length.
 */
function ownCues(utterances: readonly Utterance[], language: string | null, layout: Cutting): Cue[] {
  const cues: Cue[] = [];
  for (const utterance of utterances) {
    const text = cleanWithRules(utterance.text.replace(/[\r\n]+/g, " "), language);
    if (text === "") continue;
    const [first = "", ...rest] = text.split(" ");
    const name = nameOfTurn(utterance.speaker, cues.at(-1), layout.naming);
    const lines = firstLines(name, first, layout);
    for (const word of rest) append(lines, word, layout.maxLineChars);
    // The name is not said: the cue's time is shared by the words.
    const unsaid = name === "" ? 0 : lines[0] === name ? name.length : name.length + 1;
    cues.push(...inCuesOf(lines, layout.maxLines, utterance, unsaid));
  }
  return cues;
}

/**
 * One cue's wrapped lines as cues of at most `maxLines` lines each, in order, sharing its time by the length
 * of what is said in them (`unsaid`: the characters of a speaker's name that open the first line).
 */
function inCuesOf(lines: readonly string[], maxLines: number, utterance: Utterance, unsaid: number): Cue[] {
  const { start, end, speaker } = utterance;
  if (lines.length <= maxLines) return [{ start, end, speaker, lines: [...lines] }];
  const groups: string[][] = [];
  for (let at = 0; at < lines.length; at += maxLines) groups.push(lines.slice(at, at + maxLines));
  const length = Math.max(0, end - start);
  const charsOf = (group: readonly string[], index: number) =>
    group.reduce((sum, line) => sum + line.length, index === 0 ? -unsaid : 0);
  const perChar = length / groups.reduce((sum, group, index) => sum + charsOf(group, index), 0);
  let at = start;
  return groups.map((group, index) => {
    const from = at;
    at = index === groups.length - 1 ? start + length : at + charsOf(group, index) * perChar;
    return { start: from, end: at, speaker, lines: group };
  });
}
