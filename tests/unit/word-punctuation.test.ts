import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Word } from "../../app/domain/transcript.js";
import { punctuateWords } from "../../app/transcription/word-punctuation.js";

const wordList = (written: readonly string[]): Word[] =>
  written.map((text, index) => ({
    word: text.toLowerCase(),
    punctuated_word: text,
    start: index,
    end: index + 1,
    confidence: null,
  }));
const wordsOf = (...written: string[]) => wordList(written);
const written = (words: Word[]) => words.map((word) => word.punctuated_word);

describe("punctuateWords", () => {
  it.each([
    [
      ["Um", "so", "we", "ship", "Friday", "Yes", "uh"],
      "Um, so we ship Friday. Yes, uh…",
      ["Um,", "so", "we", "ship", "Friday.", "Yes,", "uh…"],
    ],
    [["He", "said", "hello", "to", "me"], 'He said "hello" to me.', ["He", "said", '"hello"', "to", "me."]],
    [["¿Qué", "tal"], "¿Qué tal?", ["¿Qué", "tal?"]],
    [["we", "went"], "We went.", ["We", "went."]],
    [["Friday", "Yes"], "Friday.\u00a0Yes!", ["Friday.", "Yes!"]],
    [["It's", "10", "o'clock"], "It's 10 o'clock!", ["It's", "10", "o'clock!"]],
    // French sets marks apart by a space, a no-break one or not: still the word's, when they stand alone.
    [["Quoi", "Vraiment"], "Quoi ? Vraiment\u202f!", ["Quoi ?", "Vraiment\u202f!"]],
    [["dit", "Bonjour", "voilà"], "dit : « Bonjour » ; voilà.", ["dit :", "« Bonjour » ;", "voilà."]],
    [["oui", "non"], "oui ?non", ["oui", "?non"]],
  ])("gives %j the marks that stand against them in %j", (bare, text, expected) => {
    expect(written(punctuateWords(wordsOf(...bare), text))).toEqual(expected);
  });

  it("leaves a word the text lacks, or lacks near where the words before it were, as it came", () => {
    expect(written(punctuateWords(wordsOf("hello", "there"), "Something else entirely."))).toEqual(["hello", "there"]);
    const far = `Start. ${"x ".repeat(100)}Found.`;
    expect(written(punctuateWords(wordsOf("Start", "Found"), far))).toEqual(["Start.", "Found"]);
  });

  it("takes only a whole word: not the start of a longer one, nor one cut by the end of where it looks", () => {
    expect(written(punctuateWords(wordsOf("sh", "we"), "shipping went, sh! we."))).toEqual(["sh!", "we."]);
    // The "sh" of "shipping" ends where the search does, but not in the text: it is not taken, nor is the
    // search moved past it.
    expect(written(punctuateWords(wordsOf("sh", "ping"), `${" ".repeat(64)}shipping ping.`))).toEqual(["sh", "ping"]);
  });

  it("keeps a word that already carries its marks (a self-hosted Whisper's), and everything but its writing", () => {
    const words = wordsOf("Hola.", "amigo");
    const [first, second] = punctuateWords(words, "Hola. ¿amigo?");
    expect(first).toBe(words[0]);
    expect(second).toEqual({ ...words[1], punctuated_word: "¿amigo?" });
  });

  const bareWord = fc.stringMatching(/^[a-zA-Z]{1,8}$/);
  const marks = fc.stringMatching(/^[.,!?;:"'¿¡()…-]{0,3}$/);
  it("gives back each word as the text wrote it, for any words between any marks", () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(marks, bareWord, marks), { maxLength: 40 }), (tokens) => {
        const text = tokens.map((parts) => parts.join("")).join(" ");
        const bare = tokens.map(([, word]) => word);
        const expected = tokens.map((parts) => parts.join(""));
        expect(written(punctuateWords(wordsOf(...bare), text))).toEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it("gives back each word with the marks French sets apart from it, for any words (property)", () => {
    const apart = fc.tuple(
      fc.constantFrom("", "« ", "«\u00a0"),
      bareWord,
      fc.array(fc.constantFrom(" ?", " !", " ;", " :", "\u202f?", " »", "?", ","), { maxLength: 2 }),
    );
    fc.assert(
      fc.property(fc.array(apart, { maxLength: 30 }), (tokens) => {
        const expected = tokens.map(([open, word, closes]) => open + word + closes.join(""));
        const bare = tokens.map(([, word]) => word);
        expect(written(punctuateWords(wordsOf(...bare), expected.join(" ")))).toEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it("never changes a word, only the marks around it", () => {
    fc.assert(
      fc.property(fc.array(bareWord, { maxLength: 30 }), fc.string({ maxLength: 300 }), (bare, text) => {
        const result = punctuateWords(wordsOf(...bare), text);
        result.forEach((word, index) => {
          expect(word.punctuated_word.toLowerCase()).toContain(bare[index]!.toLowerCase());
          expect({ ...word, punctuated_word: "" }).toEqual({ ...wordsOf(...bare)[index], punctuated_word: "" });
        });
      }),
      { numRuns: 2_000 },
    );
  });

  /** The fastest of three runs: what the work costs, without a pause of the machine's in it. */
  const fastestMs = (work: () => void) =>
    Math.min(
      ...[0, 1, 2].map(() => {
        const started = performance.now();
        work();
        return performance.now() - started;
      }),
    );
  it.each([
    ["words the text lacks", (n: number) => [Array.from({ length: n / 4 }, () => "b"), "a ".repeat(n / 2)] as const],
    [
      "a word found everywhere, never whole",
      (n: number) => [Array.from({ length: n / 4 }, () => "a"), "a".repeat(n)] as const,
    ],
    ["one long word", (n: number) => [["a".repeat(n)], `${"a".repeat(n)}.`] as const],
  ])("takes time linear in the text and the words: %s", (_shape, make) => {
    const work = (n: number) => {
      const [bare, text] = make(n);
      const words = wordList(bare);
      return () => punctuateWords(words, text);
    };
    const small = fastestMs(work(256 * 1024));
    const large = fastestMs(work(1024 * 1024));
    expect(large / Math.max(small, 10)).toBeLessThan(10);
  });
});
