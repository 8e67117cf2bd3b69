import type { Word } from "../domain/transcript.js";
import { isWhitespace } from "../text/text-builder.js";

/** How far past the last word found the next one is looked for: a word the text lacks costs no more. */
const LOOKAHEAD_CHARS = 64;

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** The marks French typography sets apart from their word by a (no-break) space. */
const OPENS_APART: ReadonlySet<string> = new Set(["«", "‹"]);
const CLOSES_APART: ReadonlySet<string> = new Set(["?", "!", ";", ":", "»", "›"]);
/** One space between a word and a mark set apart: a plain one or French's no-break ones. */
const isSpaceAt = (text: string, at: number) => {
  const code = text.charCodeAt(at);
  return code === 0x20 || code === 0xa0 || code === 0x202f;
};

/**
 * Whisper's words come bare ("Friday") while its text is punctuated ("Friday. Yes, uh, Friday works."):
 * each bare word takes the marks that stand against it in the text, as Deepgram's `punctuated_word` does,
 * so subtitles made of the words read as the transcript. Words are found in order, each within a bounded
 * distance of the one before, so the work is linear in the text; a word not found there stays as it came,
 * and so does a word that already carries marks (faster-whisper's `" Hola."`).
 */
export function punctuateWords(words: Word[], text: string): Word[] {
  let cursor = 0;
  return words.map((word) => {
    const written = word.punctuated_word;
    if (written === "" || !isBare(written)) return word;
    const window = text.slice(cursor, cursor + LOOKAHEAD_CHARS + written.length);
    // Whether the word found at `at` of the window runs into letters of the text around it.
    const joined = (at: number) =>
      LETTER_OR_DIGIT.test(text.charAt(cursor + at - 1)) ||
      LETTER_OR_DIGIT.test(text.charAt(cursor + at + written.length));
    const found = wholeWordIn(window, written, joined);
    if (found === -1) return word;
    let start = cursor + found;
    let end = start + written.length;
    const isMark = (at: number) => !isWhitespace(text.charCodeAt(at)) && !LETTER_OR_DIGIT.test(text.charAt(at));
    while (start > cursor && isMark(start - 1)) start--;
    while (end < text.length && isMark(end)) end++;
    // French sets `«` before a word and `?` `!` `;` `:` `»` after it apart by a space: still its marks, when
    // they stand alone (`oui ?`, not `oui ?non`).
    if (start - 2 >= cursor && isSpaceAt(text, start - 1) && OPENS_APART.has(text.charAt(start - 2))) {
      let before = start - 2;
      while (before > cursor && isMark(before - 1)) before--;
      if (before === 0 || isWhitespace(text.charCodeAt(before - 1))) start = before;
    }
    while (isSpaceAt(text, end) && CLOSES_APART.has(text.charAt(end + 1))) {
      let after = end + 1;
      while (after < text.length && isMark(after)) after++;
      if (after !== text.length && !isWhitespace(text.charCodeAt(after))) break;
      end = after;
    }
    cursor = end;
    return { ...word, punctuated_word: text.slice(start, end) };
  });
}

/** Where `word` stands whole in `window`, in its own case or another ("we" in "We went", not in "went"); -1 when not there. */
function wholeWordIn(window: string, word: string, joined: (at: number) => boolean): number {
  const exact = firstWhole(window, word, joined);
  if (exact !== -1) return exact;
  const lowerWindow = window.toLowerCase();
  const lowerWord = word.toLowerCase();
  // Lower-casing that changes a length ("İ") would put the match elsewhere in the text.
  if (lowerWindow.length !== window.length || lowerWord.length !== word.length) return -1;
  return firstWhole(lowerWindow, lowerWord, joined);
}

function firstWhole(window: string, word: string, joined: (at: number) => boolean): number {
  for (let at = window.indexOf(word); at !== -1; at = window.indexOf(word, at + 1)) if (!joined(at)) return at;
  return -1;
}

/** Letters, digits and apostrophes only (`don't`): nothing to recover marks for otherwise. */
function isBare(written: string): boolean {
  for (const character of written) if (!LETTER_OR_DIGIT.test(character) && character !== "'") return false;
  return true;
}
