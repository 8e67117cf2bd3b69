import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanWithRules } from "../../app/cleaning/rules-cleaner.js";
import { wordKey } from "../../app/cleaning/token-rules.js";

const FILLERS = new Set(["um", "umm", "uh", "uhh", "uhm", "er", "erm", "ah", "hmm", "hm", "mm", "mmm"]);

/** Tokens as people and machines write them: emoji with modifiers and ZWJ, RTL marks, CJK, combining marks, code. */
const tokenArb = fc
  .oneof(
    fc.constantFrom(
      "👋🏽",
      "🚀",
      "👨‍👩‍👧‍👦",
      "—",
      "𝄞",
      "\u200fשלום",
      "مرحبا",
      "会议",
      "東京",
      "é",
      "नमस्ते",
      '{"json":',
      "x=>x+1",
      "a[0]",
      "#tag",
      "@ana",
      "50%",
      "(see",
      "«oui»",
      "¿qué?",
    ),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 }),
    fc.stringMatching(/^[a-z]{1,8}$/),
  )
  // Whitespace separates tokens, bare marks attach to the word before, fillers go, and a first token ending
  // in ":" would be a speaker label (kept, but not compared as a word).
  .filter(
    (token) => !/\s/.test(token) && !/^[.,!?;:]+$/.test(token) && !FILLERS.has(wordKey(token)) && !token.includes(":"),
  );

/**
 * Tokens with no stutter or restart among them, the one thing besides fillers the rules may drop: no word
 * right after itself, no two words right after themselves ("会议 नमस्ते 会议 नमस्ते"), no word after its own
 * cut-off start or before its contraction ("ab- abc", "x x's").
 */
const lineArb = fc.array(tokenArb, { minLength: 1, maxLength: 30 }).map((tokens) =>
  tokens.reduce<string[]>((kept, token) => {
    const key = wordKey(token);
    const keyAt = (back: number) => wordKey(kept[kept.length - back] ?? "");
    if (key === "") return [...kept, token];
    const said = key === keyAt(1) || (key === keyAt(2) && keyAt(1) === keyAt(3) && keyAt(1) !== "");
    const before = keyAt(1);
    const restarted =
      before !== "" &&
      key.length > before.length &&
      key.startsWith(before) &&
      (kept.at(-1)!.endsWith("-") || key.charAt(before.length) === "'");
    return said || restarted ? kept : [...kept, token];
  }, []),
);

/** A token as compared: without the sentence marks the rules may attach or move, in lower case. */
const comparable = (token: string) => token.replace(/[.,!?;:]+$/u, "").toLowerCase();

describe("the rules cleaner removes only what it should", () => {
  it("keeps every non-filler token of arbitrary unicode text, in order", () => {
    fc.assert(
      fc.property(lineArb, (tokens) => {
        const cleaned = cleanWithRules(tokens.join(" "));
        const kept = cleaned.split(/\s+/).filter((token) => token !== "");
        expect(kept.map(comparable)).toEqual(tokens.map(comparable));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps the examples from the trial as they were", () => {
    expect(cleanWithRules("um hi 👋🏽 team, we 🚀 ship — the 👨‍👩‍👧‍👦 plan 𝄞 today")).toBe(
      "Hi 👋🏽 team, we 🚀 ship — the 👨‍👩‍👧‍👦 plan 𝄞 today",
    );
    expect(cleanWithRules('{"json": true}')).toBe('{"json": true}');
    expect(cleanWithRules('uh so the config is {"debug": false} ok')).toBe('So the config is {"debug": false} ok');
  });
});

/** Every character JavaScript's `\s` matches but the line breaks (`\n` ends a line; `\r` only before one). */
const SPACES = [
  "\t",
  "\v",
  "\f",
  "\r",
  " ",
  "\u00a0",
  "\u1680",
  "\u2003",
  "\u200a",
  "\u2028",
  "\u2029",
  "\u202f",
  "\u205f",
  "\u3000",
  "\ufeff",
];

describe("the rules cleaner's words", () => {
  // No speaker labels here: a label is kept as written, its spaces too.
  it("are split at any run of whitespace `\\s` knows, as at one space", () => {
    const word = fc.oneof(
      tokenArb,
      fc.constantFrom("um", "uh,", "i", "i'm", "i2", "so", "so", "I", ".", ",", "?!", "ok."),
    );
    const gap = fc.array(fc.constantFrom(...SPACES), { minLength: 1, maxLength: 3 }).map((run) => run.join(""));
    fc.assert(
      fc.property(fc.array(fc.tuple(word, gap), { minLength: 1, maxLength: 20 }), (pairs) => {
        const spaced = pairs.map(([token, run]) => token + run).join("");
        const single = pairs.map(([token]) => token).join(" ");
        expect(cleanWithRules(spaced)).toBe(cleanWithRules(single));
      }),
      { numRuns: 300 },
    );
  });

  it("give `i` its capital in any punctuation, and only in its five forms", () => {
    expect(cleanWithRules("well i2 think i'm here and i'd go, i.")).toBe("Well I2 think I'm here and I'd go, I.");
    expect(cleanWithRules("\"i\" said (i'll) i've 'i' i's ii iii")).toBe("\"I\" said (I'll) I've 'i' i's ii iii");
    expect(cleanWithRules("so Í ı i-i i3d I'M")).toBe("So Í ı i-i i3d I'M");
  });
});
