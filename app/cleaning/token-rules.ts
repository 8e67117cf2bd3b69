/** What the rules cleaner does to one token: its key, its marks, its capitals. */

const LETTER = /\p{L}/u;
const LOWER_CASE_LETTER = /\p{Ll}/u;
const WORD_CHARACTER = /[\p{L}\p{N}']/u;
/** A token reduced to its letters, digits and apostrophes, in lower case: what "the same word" means here. */
export function wordKey(token: string): string {
  return isLowerAsciiWord(token) ? token : token.toLowerCase().replace(/[^\p{L}\p{N}']/gu, "");
}

/** Lower-case ASCII letters, digits (unless not wanted) and apostrophes only (most words): already their own key. */
function isLowerAsciiWord(token: string, { digits = true } = {}): boolean {
  for (let index = 0; index < token.length; index++) {
    const code = token.charCodeAt(index);
    if (!((code >= 0x61 && code <= 0x7a) || (digits && code >= 0x30 && code <= 0x39) || code === 0x27)) return false;
  }
  return true;
}

// Checked by character code: these run for every token, where a pattern's test cost a string and a match.
const isSentenceMark = (code: number) => code === 0x2e || code === 0x21 || code === 0x3f; // . ! ?
const isSoftMark = (code: number) => code === 0x2c || code === 0x3b || code === 0x3a; // , ; :
export const endsSentence = (token: string) => isSentenceMark(token.charCodeAt(token.length - 1));
const endsSoft = (token: string) => isSoftMark(token.charCodeAt(token.length - 1));

/**
 * Abbreviations a sentence goes on after ("e.g. this", "Dr. Lee", "etc. are"): their full stop starts no
 * sentence. Initials ("U.S.", "a.m.") are found by their shape.
 */
const RUNNING_ABBREVIATIONS = [
  "vs.",
  "cf.",
  "viz.",
  "etc.",
  "approx.",
  "fig.",
  "mr.",
  "mrs.",
  "ms.",
  "dr.",
  "prof.",
  "st.",
];

/** Letters each followed by a full stop, two or more (`U.S.`, `e.g.`, `p.m.`), after any opening marks. */
function isInitials(token: string): boolean {
  // Most words ending in a full stop end a sentence ("Friday."): no full stop two characters before.
  if (token.charCodeAt(token.length - 3) !== 0x2e) return false;
  let end = token.length;
  let letters = 0;
  while (end >= 2 && token.charCodeAt(end - 1) === 0x2e && LETTER.test(token.charAt(end - 2))) {
    end -= 2;
    letters++;
  }
  return letters >= 2 && !LETTER.test(token.charAt(end - 1));
}

/** Whether the next word starts a sentence: after `.` `!` `?`, but not after an abbreviation (`(e.g.`). */
export function startsNextSentence(token: string): boolean {
  if (!endsSentence(token)) return false;
  if (token.length > 8) return true;
  if (isInitials(token)) return false;
  const lower = token.toLowerCase();
  return !RUNNING_ABBREVIATIONS.some(
    (abbreviation) =>
      lower.endsWith(abbreviation) && !LETTER.test(lower.charAt(lower.length - abbreviation.length - 1)),
  );
}

/** A token of sentence marks only (`,` `...` `?!`): it attaches to the word before it, it is not a word. */
export function isMarksOnly(token: string): boolean {
  for (let index = 0; index < token.length; index++) {
    const code = token.charCodeAt(index);
    if (!isSentenceMark(code) && !isSoftMark(code)) return false;
  }
  return token.length > 0;
}

/** A token of `?` `!` `;` `:` only: the marks French typography sets apart from the word before by a space. */
export function isHighMarks(token: string): boolean {
  for (let index = 0; index < token.length; index++) {
    const code = token.charCodeAt(index);
    if (code !== 0x3f && code !== 0x21 && code !== 0x3b && code !== 0x3a) return false;
  }
  return token.length > 0;
}

/** The token without the soft marks it ends with, nor the space French sets before them ("oui ;"). */
function withoutTrailingSoftPunctuation(token: string): string {
  let end = token.length;
  while (end > 0 && (isSoftMark(token.charCodeAt(end - 1)) || token.charCodeAt(end - 1) === 0x20)) end--;
  return token.slice(0, end);
}

/**
 * A word started again as the next: cut off with a hyphen and said whole ("wh- what", "th- the"), or said
 * again with its contraction ("I I'm", "it it's"; never a negation: "can, can't" says two things).
 */
export function isRestartOf(previous: string, previousKey: string, key: string): boolean {
  if (key.length <= previousKey.length || !key.startsWith(previousKey)) return false;
  if (key.charCodeAt(previousKey.length) === 0x27) return CONTRACTIONS.has(key.slice(previousKey.length + 1));
  return CUT_OFF.test(previous);
}
const CUT_OFF = /^\p{L}+-$/u;
const CONTRACTIONS: ReadonlySet<string> = new Set(["s", "m", "re", "ve", "ll", "d"]);

/** Appends a punctuation mark (one character) to a token, replacing a weaker mark it already ends with. */
export function attach(token: string, mark: string): string {
  const strong = isSentenceMark(mark.charCodeAt(0));
  if (endsSentence(token) || (endsSoft(token) && !strong)) return token;
  const base = strong ? withoutTrailingSoftPunctuation(token) : token;
  // "oui ? ;" already ended its sentence before the `;`.
  return base.endsWith(mark) || endsSentence(base) ? base : base + mark;
}

/** The run of characters at the end of a token that are not letters, digits or apostrophes. */
export function trailingPunctuation(token: string): string {
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

const LOWER_I_FORMS: ReadonlySet<string> = new Set(["i", "i'm", "i'll", "i've", "i'd"]);

/** "i", "i'm", "i'll", "i've", "i'd" in any punctuation get their capital I. */
export function capitalI(token: string): string {
  if (!token.includes("i")) return token;
  if (LOWER_I_FORMS.has(token)) return "I" + token.slice(1);
  // Most words are lower-case ASCII letters: nothing to strip, so not a form.
  if (isLowerAsciiWord(token, { digits: false })) return token;
  if (!LOWER_I_FORMS.has(token.replace(/[^\p{L}']/gu, ""))) return token;
  const at = firstLetterIndex(token);
  return token.slice(0, at) + "I" + token.slice(at + 1);
}

/** What may come before a sentence's first letter: quotes and an opening bracket, not code (`{"json"`). */
const OPENING = /^["'“‘«‹„¿¡(]*$/u;

/** A token of opening marks only (French `«`, a lone `(`): the sentence it opens starts at the word after it. */
export function isOpeningMarks(token: string): boolean {
  const first = token.charCodeAt(0);
  // Most tokens start with a letter or digit: no pattern needed to say no.
  if ((first >= 0x30 && first <= 0x39) || (first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a))
    return false;
  return token.length > 0 && OPENING.test(token);
}

const UPPER_CASE_LETTER = /\p{Lu}/u;

/**
 * A word written in its own case or not a word of prose: a name with a capital inside (iPhone, eBay, iOS),
 * a link or an address (http://…, www.…, ana@…).
 */
const keepsItsCase = (word: string) =>
  UPPER_CASE_LETTER.test(word) || word.includes("://") || word.includes("@") || word.startsWith("www.");

/**
 * Upper-cases the first letter where lower-casing it back gives the same letter (not so for "ı" or "ß"),
 * unless the word keeps its case.
 */
export function capitalFirstLetter(token: string): string {
  const at = firstLetterIndex(token);
  if (at === -1 || !OPENING.test(token.slice(0, at))) return token;
  const letter = String.fromCodePoint(token.codePointAt(at)!);
  if (!LOWER_CASE_LETTER.test(letter) || keepsItsCase(token.slice(at))) return token;
  const upper = letter.toUpperCase();
  return upper.toLowerCase() === letter ? token.slice(0, at) + upper + token.slice(at + letter.length) : token;
}
