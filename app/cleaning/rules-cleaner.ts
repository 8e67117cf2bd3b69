import type { Cleaner } from "./cleaner.js";

const FILLERS = new Set(["um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "hm", "mm", "mmm"]);
const SENTENCE_END = /[.!?]$/;
const PUNCTUATION_ONLY = /^[^\p{L}\p{N}]+$/u;
const TRAILING_SOFT_PUNCTUATION = /[,;:]+$/;
/** `Speaker: ` at the start of a line, as captions import writes it. */
const SPEAKER_LABEL = /^([^\s:][^:\n]{0,39}):\s+/;

/** A token reduced to its letters, digits and apostrophes, in lower case: what "the same word" means here. */
export function wordKey(token: string): string {
  return token.toLowerCase().replace(/[^\p{L}\p{N}']/gu, "");
}

function isFiller(token: string): boolean {
  return FILLERS.has(wordKey(token));
}

/** Appends a punctuation mark to a token, replacing a weaker mark it already ends with. */
function attach(token: string, mark: string): string {
  if (SENTENCE_END.test(token) || (TRAILING_SOFT_PUNCTUATION.test(token) && !/[.!?]/.test(mark))) return token;
  const base = /^[.!?]/.test(mark) ? token.replace(TRAILING_SOFT_PUNCTUATION, "") : token;
  return base.endsWith(mark) ? base : base + mark;
}

function trailingPunctuation(token: string): string {
  return /[^\p{L}\p{N}']+$/u.exec(token)?.[0] ?? "";
}

function cleanWords(tokens: string[]): string[] {
  const kept: string[] = [];
  for (const token of tokens) {
    const previous = kept.at(-1);
    if (previous === undefined && (isFiller(token) || PUNCTUATION_ONLY.test(token))) continue;
    if (previous !== undefined && isFiller(token)) {
      // A filler can carry the end of a sentence: keep that on the previous word. The pause commas around
      // a filler ("should, uh, ship") go with it.
      const marks = trailingPunctuation(token);
      const sentenceEnd = /[.!?]/.exec(marks)?.[0];
      if (sentenceEnd !== undefined) kept[kept.length - 1] = attach(previous, sentenceEnd);
      else if (marks.startsWith(",")) kept[kept.length - 1] = previous.replace(/,$/, "");
      continue;
    }
    if (previous !== undefined && PUNCTUATION_ONLY.test(token)) {
      const mark = /[.!?,;:]/.exec(token)?.[0];
      if (mark !== undefined) kept[kept.length - 1] = attach(previous, mark);
      continue;
    }
    if (previous !== undefined && !SENTENCE_END.test(previous) && wordKey(previous) === wordKey(token)) {
      kept[kept.length - 1] = token;
      continue;
    }
    kept.push(token);
  }
  return kept;
}

/** Upper-cases a letter only where lower-casing it back gives the same letter (not so for "ı" or "ß"). */
function upperCaseLetter(_match: string, lead: string, letter: string): string {
  const upper = letter.toUpperCase();
  return lead + (upper.toLowerCase() === letter ? upper : letter);
}

function capitalise(tokens: string[]): string[] {
  return tokens.map((token, index) => {
    const startsSentence = index === 0 || SENTENCE_END.test(tokens[index - 1] ?? "");
    const fixedI = /^i(?:'(?:m|ll|ve|d))?$/.test(token.replace(/[^\p{L}']/gu, ""))
      ? token.replace(/^(\P{L}*)i/u, "$1I")
      : token;
    return startsSentence ? fixedI.replace(/^(\P{L}*)(\p{Ll})/u, upperCaseLetter) : fixedI;
  });
}

function cleanLine(line: string): string {
  const label = SPEAKER_LABEL.exec(line);
  const speech = label ? line.slice(label[0].length) : line;
  const words = capitalise(cleanWords(speech.split(/\s+/).filter(Boolean)));
  if (words.length === 0) return "";
  const text = words.join(" ");
  return label ? `${label[1]}: ${text}` : text;
}

/**
 * Deterministic, offline cleaning: removes fillers, collapses stutters ("I I think" → "I think"), normalises
 * spacing and punctuation, capitalises sentences and "i". It never adds a word, and cleaning its own output
 * changes nothing. Line breaks (one line per cue or speaker turn) are kept.
 */
export function cleanWithRules(transcript: string): string {
  return transcript
    .split(/\r?\n/)
    .map(cleanLine)
    .filter((line) => line !== "")
    .join("\n");
}

export function createRulesCleaner(): Cleaner {
  return {
    name: "rules",
    clean(transcript) {
      return Promise.resolve({ text: cleanWithRules(transcript), cleaner: "rules" });
    },
  };
}
