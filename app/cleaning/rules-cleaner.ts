import { createLineJoiner, createTextBuilder } from "../text/text-builder.js";
import type { Cleaner } from "./cleaner.js";
import type { CleanerEntry, CleanerInputs } from "./cleaner-entry.js";
import { fillersFor, grammaticalRepeatsFor, writesCapitalI } from "./filler-words.js";
import { splitSpeakerLabel } from "./speaker-label.js";

/** A token of sentence marks only (`,` `...` `?!`): it attaches to the word before it, it is not a word. */
const MARKS_ONLY = /^[.,!?;:]+$/;
const LETTER = /\p{L}/u;
const LOWER_CASE_LETTER = /\p{Ll}/u;
const WORD_CHARACTER = /[\p{L}\p{N}']/u;
/** A token reduced to its letters, digits and apostrophes, in lower case: what "the same word" means here. */
export function wordKey(token: string): string {
  return isLowerAsciiWord(token) ? token : token.toLowerCase().replace(/[^\p{L}\p{N}']/gu, "");
}

/** Lower-case ASCII letters, digits and apostrophes only (most words): already their own key. */
function isLowerAsciiWord(token: string): boolean {
  for (let index = 0; index < token.length; index++) {
    const code = token.charCodeAt(index);
    if (!((code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || code === 0x27)) return false;
  }
  return true;
}

const endsSentence = (token: string) => /[.!?]/.test(token.at(-1) ?? "");
const endsSoft = (token: string) => /[,;:]/.test(token.at(-1) ?? "");

function withoutTrailingSoftPunctuation(token: string): string {
  let end = token.length;
  while (end > 0 && /[,;:]/.test(token[end - 1]!)) end--;
  return token.slice(0, end);
}

/** Appends a punctuation mark to a token, replacing a weaker mark it already ends with. */
function attach(token: string, mark: string): string {
  const strong = /[.!?]/.test(mark);
  if (endsSentence(token) || (endsSoft(token) && !strong)) return token;
  const base = strong ? withoutTrailingSoftPunctuation(token) : token;
  return base.endsWith(mark) ? base : base + mark;
}

/** The run of characters at the end of a token that are not letters, digits or apostrophes. */
function trailingPunctuation(token: string): string {
  const characters = Array.from(token);
  let start = characters.length;
  while (start > 0 && !WORD_CHARACTER.test(characters[start - 1]!)) start--;
  return characters.slice(start).join("");
}

/** The index of the first letter of a token, or -1. */
function firstLetterIndex(token: string): number {
  let index = 0;
  for (const character of token) {
    if (LETTER.test(character)) return index;
    index += character.length;
  }
  return -1;
}

/** "i", "i'm", "i'll", "i've", "i'd" in any punctuation get their capital I. */
function capitalI(token: string): string {
  if (!token.includes("i")) return token;
  if (!/^i(?:'(?:m|ll|ve|d))?$/.test(token.replace(/[^\p{L}']/gu, ""))) return token;
  const at = firstLetterIndex(token);
  return token.slice(0, at) + "I" + token.slice(at + 1);
}

/** What may come before a sentence's first letter: quotes and an opening bracket, not code (`{"json"`). */
const OPENING = /^["'“‘«‹„¿¡(]*$/u;

/** Upper-cases the first letter where lower-casing it back gives the same letter (not so for "ı" or "ß"). */
function capitalFirstLetter(token: string): string {
  const at = firstLetterIndex(token);
  if (at === -1 || !OPENING.test(token.slice(0, at))) return token;
  const letter = String.fromCodePoint(token.codePointAt(at)!);
  if (!LOWER_CASE_LETTER.test(letter)) return token;
  const upper = letter.toUpperCase();
  return upper.toLowerCase() === letter ? token.slice(0, at) + upper + token.slice(at + letter.length) : token;
}

/**
 * Writes the words of one line, capitalised, into a text builder. Only the last word kept can still change (a
 * later filler or mark attaches to it, a stutter replaces it), so each word is finished when the next one is
 * kept: memory holds the output, not an array of tokens.
 */
function createLineWriter(fixI: boolean) {
  const out = createTextBuilder();
  let previousEndsSentence = true;
  let first = true;
  return {
    write(word: string) {
      const fixed = fixI ? capitalI(word) : word;
      if (!first) out.append(" ");
      out.append(previousEndsSentence ? capitalFirstLetter(fixed) : fixed);
      previousEndsSentence = endsSentence(word);
      first = false;
    },
    text: () => out.toString(),
  };
}

/** How a language is cleaned: its fillers, the words it may say twice, and whether a lone "i" is "I". */
export interface LanguageRules {
  fillers: ReadonlySet<string>;
  grammaticalRepeats: ReadonlySet<string>;
  capitalI: boolean;
}

/** The rules for a transcript's language (a BCP-47 tag; null when not known). */
export function rulesFor(language: string | null): LanguageRules {
  return {
    fillers: fillersFor(language),
    grammaticalRepeats: grammaticalRepeatsFor(language),
    capitalI: writesCapitalI(language),
  };
}

const DEFAULT_RULES = rulesFor(null);

/** Cleans what one speaker said on one line, its label already split off. */
export function cleanSpeech(speech: string, rules: LanguageRules = DEFAULT_RULES): string {
  const writer = createLineWriter(rules.capitalI);
  let previous: string | undefined;
  let previousKey = "";
  // Whether the word before `previous` was the same word, kept as a grammatical repeat.
  let repeatKept = false;
  const tokens = /\S+/g;
  for (let match = tokens.exec(speech); match !== null; match = tokens.exec(speech)) {
    const token = match[0];
    const key = wordKey(token);
    const filler = rules.fillers.has(key);
    // Emoji, symbols, dashes and code are words here: only bare sentence marks are not.
    const punctuationOnly = MARKS_ONLY.test(token);
    if (previous === undefined) {
      if (filler || punctuationOnly) continue;
    } else if (filler) {
      // A filler can carry the end of a sentence: keep that on the previous word. The pause commas around
      // a filler ("should, uh, ship") go with it.
      const marks = trailingPunctuation(token);
      const sentenceEnd = /[.!?]/.exec(marks)?.[0];
      if (sentenceEnd !== undefined) previous = attach(previous, sentenceEnd);
      else if (marks.startsWith(",") && previous.endsWith(",")) previous = previous.slice(0, -1);
      continue;
    } else if (punctuationOnly) {
      const mark = /[.!?,;:]/.exec(token)?.[0];
      if (mark !== undefined) previous = attach(previous, mark);
      continue;
    } else if (key !== "" && !endsSentence(previous) && previousKey === key) {
      if (!repeatKept && rules.grammaticalRepeats.has(key)) {
        writer.write(previous);
        repeatKept = true;
      }
      previous = token;
      continue;
    } else {
      writer.write(previous);
      repeatKept = false;
    }
    previous = token;
    previousKey = key;
  }
  if (previous !== undefined) writer.write(previous);
  return writer.text();
}

function cleanLine(line: string, rules: LanguageRules): string {
  const labelled = splitSpeakerLabel(line);
  const text = cleanSpeech(labelled?.speech ?? line, rules);
  if (text === "") return "";
  if (labelled) return `${labelled.label}: ${text}`;
  // Removing fillers can shorten a line until it starts like a label ("um um … Alice: hi" → "Alice: hi"):
  // clean it again as one, so that cleaning the output changes nothing.
  return splitSpeakerLabel(text) === undefined ? text : cleanLine(text, rules);
}

/**
 * Deterministic, offline cleaning: removes the language's fillers, collapses stutters ("I I think" → "I
 * think"; a word the language may say twice by grammar keeps one repeat: "had had"), normalises spacing and
 * punctuation, capitalises sentences (and "i" in English). It never adds a word, and cleaning its own output
 * changes nothing. Line breaks (one line per cue or speaker turn) are kept.
 * Time is linear in the input for any input: tokens are scanned once, and no pattern can backtrack over a
 * long run. `language` is a BCP-47 tag, or null when not known (English fillers, as before languages).
 */
export function cleanWithRules(transcript: string, language: string | null = null): string {
  const rules = rulesFor(language);
  // Line by line into one builder: arrays of every line (split, map, filter) took a 16 MiB transcript of
  // one-letter lines to 740 MiB.
  const out = createLineJoiner();
  for (let start = 0; start <= transcript.length;) {
    const newline = transcript.indexOf("\n", start);
    const end = newline === -1 ? transcript.length : newline;
    const lineEnd = end > start && transcript.charCodeAt(end - 1) === 0x0d ? end - 1 : end;
    out.add(cleanLine(transcript.slice(start, lineEnd), rules));
    start = end + 1;
  }
  return out.text();
}

/**
 * The rules as a cleaner; `run` is where the work happens (a worker pool in the service), stopped when the
 * request's signal aborts.
 */
export function createRulesCleaner(
  run: (text: string, language: string | null, signal?: AbortSignal) => Promise<string> = (text, language, signal) =>
    new Promise((resolve) => {
      signal?.throwIfAborted();
      resolve(cleanWithRules(text, language));
    }),
): Cleaner {
  return {
    name: "rules",
    async clean(transcript, { language, signal }) {
      return { text: await run(transcript, language ?? null, signal), cleaner: "rules" };
    },
  };
}

/** The rules in the cleaner registry: always there, needing nothing configured. */
export const rulesCleanerEntry = {
  name: "rules",
  create: ({ cleanWithRules }: CleanerInputs) => createRulesCleaner(cleanWithRules),
} as const satisfies CleanerEntry;
