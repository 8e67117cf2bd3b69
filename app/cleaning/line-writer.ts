import { createTextBuilder } from "../text/text-builder.js";
import { enclosesSomething } from "./filler-marks.js";
import { saysANumber, type LanguageRules } from "./filler-words.js";
import { capitalFirstLetter, capitalI, endsSentence, isOpeningMarks, startsNextSentence } from "./token-rules.js";

/** How long a stretch of a line's words grows before the line writer hands it to its text builder. */
const STRETCH_CHARS = 1024;

/** A word held back, its key, and whether the word after it opens a sentence (undefined: as before it). */
interface Held {
  word: string;
  key: string;
  ends: boolean | undefined;
}

/**
 * Writes the words of one line, capitalised, into a text builder. Only the last word kept can still change (a
 * later filler or mark attaches to it, a stutter replaces it), so each word is finished when the next one is
 * kept: memory holds the output, not an array of tokens. The last three words are held back until they
 * cannot begin a phrase said twice: two words said again at once are a restart ("I think, I think we" → "I
 * think we"), kept as said the second time, with its marks; numbers are said as often as they are ("1 2 1 2").
 */
export function createLineWriter(rules: LanguageRules) {
  const out = createTextBuilder();
  // Words joined with `+=` into a stretch of up to `STRETCH_CHARS`, then handed to the builder: most lines are
  // shorter, and a builder's join for every line cost more than cleaning it; a long line holds no rope of words.
  let stretch = "";
  let handedOn = false;
  let previousEndsSentence = true;
  let first = true;
  let opensNext = true;
  // Up to three words held back, oldest first.
  const held: Held[] = [];

  function emit({ word, ends }: Held): void {
    const fixed = rules.capitalI ? capitalI(word) : word;
    if (!first) stretch += " ";
    stretch += previousEndsSentence ? capitalFirstLetter(fixed) : fixed;
    if (ends !== undefined) previousEndsSentence = ends;
    first = false;
    if (stretch.length >= STRETCH_CHARS) {
      out.append(stretch);
      stretch = "";
      handedOn = true;
    }
  }

  return {
    /** Writes a word with its key; returns whether the next one opens a sentence. */
    write(word: string, key: string): boolean {
      const ends = isOpeningMarks(word) ? undefined : startsNextSentence(word);
      if (ends !== undefined) opensNext = ends;
      held.push({ word, key, ends });
      if (held.length < 4) return opensNext;
      // Two words said twice: the first saying goes, the second is kept.
      if (isSaidTwice(held, rules)) held.splice(0, 2);
      else emit(held.shift()!);
      return opensNext;
    },
    text(): string {
      for (const word of held) emit(word);
      if (!handedOn) return stretch;
      out.append(stretch);
      return out.toString();
    },
  };
}

/**
 * Four words that are two said twice, not numbers, within one sentence, no quote or bracket opened or closed
 * among them.
 */
function isSaidTwice(words: readonly Held[], rules: LanguageRules): boolean {
  const a = words[0]!;
  const b = words[1]!;
  const c = words[2]!;
  const d = words[3]!;
  if (a.key !== c.key || b.key !== d.key || a.key === "" || b.key === "" || a.key === b.key) return false;
  if (saysANumber(a.key, rules) || saysANumber(b.key, rules)) return false;
  if (endsSentence(a.word) || endsSentence(b.word) || endsSentence(c.word)) return false;
  return !words.some((held) => enclosesSomething(held.word));
}
