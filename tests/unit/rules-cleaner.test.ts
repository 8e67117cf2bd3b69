import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanWithRules } from "../../app/cleaning/rules-cleaner.js";
import { wordKey } from "../../app/cleaning/token-rules.js";

describe("cleanWithRules", () => {
  it.each([
    ["Um, so I I think we should, uh, ship the release on Friday.", "So I think we should ship the release on Friday."],
    ["hmm, okay. i agree, but the docs need an update first.", "Okay. I agree, but the docs need an update first."],
    ["Alice: Right. Let's, um, let's do that tomorrow.", "Alice: Right. Let's do that tomorrow."],
    ["we ship friday uh.", "We ship friday."],
    ["the   the cat , sat ,, here .", "The cat, sat, here."],
    ["i'm here and i'll stay. i think", "I'm here and I'll stay. I think"],
    ["Go. Go now!", "Go. Go now!"],
    ["um uh hmm", ""],
    ["first line\n\n  um  \nsecond line", "First line\nSecond line"],
    ["um Friday! hmm. um um Friday! um hmm. Bob: so", "Friday! Friday! Bob: so"],
    ["um um um um um um um um um um um um um um Bob: so", "Bob: So"],
    [
      "tools, e.g. hammers, i.e. these. next (e.g. that) and VS. this",
      "Tools, e.g. hammers, i.e. these. Next (e.g. that) and VS. this",
    ],
    ["cf. the notes. see. then", "Cf. the notes. See. Then"],
    ["the U.S. market at 10 a.m. and (p.m. too). done. ok", "The U.S. market at 10 a.m. and (p.m. too). Done. Ok"],
    [
      "we met dr. lee and Mr. smith, pears etc. are fine, approx. ten. st. james",
      "We met dr. lee and Mr. smith, pears etc. are fine, approx. ten. St. james",
    ],
    ["a. b. it is A.B. then", "A. B. It is A.B. then"],
    ["iPhone sales are up. iPad too. eBay and iOS. ok", "iPhone sales are up. iPad too. eBay and iOS. Ok"],
    [
      "https://example.com/um is the link. www.example.com too. ana@example.com wrote",
      "https://example.com/um is the link. www.example.com too. ana@example.com wrote",
    ],
  ])("cleans %j", (input, expected) => {
    expect(cleanWithRules(input)).toBe(expected);
  });

  it.each([
    ['He said "um" a lot. The word “uh” is a filler.', 'He said "um" a lot. The word “uh” is a filler.'],
    ['"Um, I think so," she said.', '"I think so," she said.'],
    ['She said "uh, no" twice.', 'She said "no" twice.'],
    ["«Um», non. (uh, maybe) yes. (um) We go [uh].", "«Um», non. (Maybe) yes. We go."],
    ["It's um... complicated. I don't know, um...", "It's complicated. I don't know."],
    ["I don't know, uh…", "I don't know."],
    ["I mean - um - yes. I mean — uh — yes.", "I mean - yes. I mean — yes."],
  ])("keeps what a filler opens, closes or sets apart: %j", (input, expected) => {
    expect(cleanWithRules(input, "en")).toBe(expected);
  });

  it.each<[string | null, string, string]>([
    ["en", "Yes, uh, Friday works.", "Yes, Friday works."],
    ["en", "Well, um, yes.", "Well, yes."],
    ["en", "We ship. So, um, we test. Yes, yes, uh, fine.", "We ship. So, we test. Yes, fine."],
    [null, "Okay, uh, let's go.", "Okay, let's go."],
    ["de", "Ja, äh, das geht.", "Ja, das geht."],
    ["es-MX", "Sí, eh, el viernes.", "Sí, el viernes."],
    ["fr", "Oui, euh, demain.", "Oui, demain."],
    // Only a sentence's opening word keeps its comma: elsewhere both pause commas go with the filler.
    ["en", "I said, um, yes, uh, fine.", "I said yes fine."],
    ["en", "I, uh, think so.", "I think so."],
    ["de", "Das Projekt ist, ähm, ja, äh, fertig.", "Das Projekt ist ja fertig."],
  ])("keeps the comma after a sentence's opening word in %s: %j", (language, input, expected) => {
    expect(cleanWithRules(input, language)).toBe(expected);
  });

  it.each<[string | null, string, string]>([
    ["en", "So wh- what now? th- the plan is s- simple.", "So what now? The plan is simple."],
    ["en", "Wh- What? x- x-ray", "What? X-ray"],
    // A hyphen that joins (pre- and post-war, German Ein- und Ausgang) is no cut-off: the next word is another.
    ["en", "pre- and post-war, 3- 30 people", "Pre- and post-war, 3- 30 people"],
    ["de", "Ein- und Ausgang", "Ein- und Ausgang"],
    ["en", "I I'm here, it it's fine, let let's go, you you're in", "I'm here, it's fine, let's go, you're in"],
    // A negation says something else, and "that" may stand twice.
    ["en", "I can, can't I? I think that that's true", "I can, can't I? I think that that's true"],
  ])(
    "drops a word started again (cut off, or said again as its contraction) in %s: %j",
    (language, input, expected) => {
      expect(cleanWithRules(input, language)).toBe(expected);
      expect(cleanWithRules(expected, language)).toBe(expected);
    },
  );

  it.each<[string | null, string, string]>([
    ["en", "I think I think we should, we should go", "I think we should go"],
    ["en", "so I think, um, I think so. you know, you know", "So I think so. You know"],
    [null, "again and again and again, more and more and more", "Again and again, more and more"],
    ["es", "yo creo, yo creo que sí", "Yo creo que sí"],
    // Said again after a sentence end, or in quotes, it is said twice on purpose.
    ["en", 'I agree. I agree. "We go" we go', 'I agree. I agree. "We go" we go'],
  ])("keeps two words said twice at once as said the second time in %s: %j", (language, input, expected) => {
    expect(cleanWithRules(input, language)).toBe(expected);
    expect(cleanWithRules(expected, language)).toBe(expected);
  });

  it.each<[string | null, string, string]>([
    [
      "en",
      "call five five five, one two one two. the code is 4 4 2",
      "Call five five five, one two one two. The code is 4 4 2",
    ],
    [null, "in twenty twenty, um, we grew", "In twenty twenty we grew"],
    ["es", "el número es dos dos tres", "El número es dos dos tres"],
    ["de", "Zimmer drei drei null", "Zimmer drei drei null"],
  ])("keeps numbers said twice, a phone number's, a year's or a code's, in %s: %j", (language, input, expected) => {
    expect(cleanWithRules(input, language)).toBe(expected);
  });

  it.each<[string | null, string, string]>([
    ["en", "Did you get it? uh huh. yeah, mm hmm, sure", "Did you get it? Uh huh. Yeah, mm hmm, sure"],
    [null, "Uh-huh. Mm-hmm. uh huh uh huh", "Uh-huh. Mm-hmm. Uh huh"],
    // Apart, or with a pause between, they are hesitations.
    ["en", "uh, huh? um hmm, we go", "Huh? We go"],
  ])("keeps a yes said as two sounds in %s: %j", (language, input, expected) => {
    expect(cleanWithRules(input, language)).toBe(expected);
    expect(cleanWithRules(expected, language)).toBe(expected);
  });

  it("cleans a line of many thousand words as it cleans each of its sentences", () => {
    // 120 KB on one line: the line writer's stretches and the pieces it joins them into are many times over.
    const sentence = "Um, so I I think we should, uh, ship the release on Friday. Bob: hmm, é 日本 had had it!";
    const cleaned = cleanWithRules(sentence);
    const line = Array.from({ length: 1_500 }, () => sentence).join(" ");
    expect(cleanWithRules(line)).toBe(Array.from({ length: 1_500 }, () => cleaned).join(" "));
  });

  const words = fc.constantFrom(
    "um",
    "Uh,",
    "hmm.",
    "I",
    "i",
    "i'm",
    "the",
    "The",
    "cat",
    "sat.",
    "ok,",
    "ship",
    "ship?",
    ",",
    ".",
    "Friday!",
    "é",
    "Bob:",
    "so",
    "so,",
    "日本",
    "had",
    "had,",
    "that",
    "That",
    "Yes,",
    "well,",
    '"um',
    'uh,"',
    "(uh,",
    "um)",
    '"um"',
    "um...",
    "uh…",
    "-",
    "—",
    '"the',
    'cat"',
    "(so",
    "ship)",
    "¿uh?",
    "¡um!,",
    "th-",
    "wh-",
    "what",
    "I'm",
    "think",
    "think,",
    "it's",
    "it",
    "uh",
    "huh,",
    "mm",
    "hmm",
  );
  const transcripts = fc.oneof(
    fc
      .array(
        fc.array(words, { maxLength: 20 }).map((line) => line.join(" ")),
        { maxLength: 5 },
      )
      .map((lines) => lines.join("\n")),
    fc.string({ unit: "grapheme", maxLength: 200 }),
  );
  const keys = (text: string) => text.split(/\s+/).map(wordKey).filter(Boolean);

  it("is idempotent", () => {
    fc.assert(
      fc.property(transcripts, (text) => {
        const once = cleanWithRules(text);
        expect(cleanWithRules(once)).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  it("cleans each line on its own (LF or CRLF ends one; a lone CR does not) and drops the lines left empty", () => {
    const lines = fc.array(fc.constantFrom("um", "uh,", "I I", "Bob: so", "the", "  ", "\r", "\n", "\r\n", "ok."), {
      maxLength: 30,
    });
    fc.assert(
      fc.property(lines, (parts) => {
        const text = parts.join(" ");
        const lineByLine = text
          .split(/\r?\n/)
          .map((line) => cleanWithRules(line))
          .filter((line) => line !== "")
          .join("\n");
        expect(cleanWithRules(text)).toBe(lineByLine);
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps brackets balanced: those a filler opens or closes go to the word beside it, its own go with it", () => {
    const plain = fc.constantFrom("we", "ship", "so,", "Friday.", "yes", "-");
    const fillers = fc.constantFrom("um", "uh,", "hmm.", "um...", "uh…");
    const bracketed = fc.tuple(fc.constantFrom("", "(", "[", "(["), fillers, fc.constantFrom("", ")", "]", "])"));
    const depth = (text: string, open: string, close: string) =>
      [...text].reduce((sum, character) => sum + (character === open ? 1 : character === close ? -1 : 0), 0);
    fc.assert(
      fc.property(
        plain,
        fc.array(
          fc.oneof(
            plain,
            bracketed.map((parts) => parts.join("")),
          ),
          { maxLength: 12 },
        ),
        plain,
        (first, middle, last) => {
          const text = [first, ...middle, last].join(" ");
          const cleaned = cleanWithRules(text);
          for (const [open, close] of [
            ["(", ")"],
            ["[", "]"],
          ] as const)
            expect(depth(cleaned, open, close)).toBe(depth(text, open, close));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("never adds a word: the output's words are a subset of the input's", () => {
    fc.assert(
      fc.property(transcripts, (text) => {
        const input = new Set(keys(text));
        for (const key of keys(cleanWithRules(text))) expect(input).toContain(key);
      }),
      { numRuns: 1000 },
    );
  });
});
