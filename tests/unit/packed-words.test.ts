import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Word } from "../../app/domain/transcript.js";
import { packWords, unpackWords } from "../../app/text-work/packed-words.js";
import { noPause } from "../../app/text/loop-pause.js";

const text = fc.oneof(fc.constantFrom("", "so", "Olá,", "😀"), fc.string({ unit: "binary", maxLength: 12 }));

const wordArb: fc.Arbitrary<Word> = fc
  .record({
    word: text,
    punctuated_word: text,
    start: fc.double({ noNaN: true }),
    end: fc.double({ noNaN: true }),
    confidence: fc.option(fc.double({ noNaN: true, min: 0, max: 1 }), { nil: null }),
    speaker: fc.option(fc.constantFrom("Speaker 0", "Speaker 1", "Speaker 12"), { nil: undefined }),
  })
  // As the provider's reader builds them: a word without a speaker has no `speaker` key at all.
  .map(({ speaker, ...word }) => (speaker === undefined ? word : { ...word, speaker }));

describe("packed words", () => {
  it("unpack what was packed, field for field, keys included, whatever the texts, times and speakers", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(wordArb, { maxLength: 60 }), async (words) => {
        const packed = structuredClone(packWords(words));
        const unpacked = await unpackWords(packed, noPause);
        expect(unpacked).toStrictEqual(words);
      }),
      { numRuns: 300 },
    );
  });

  it("cross a worker's boundary as flat arrays and two strings, each speaker named once", () => {
    const words: Word[] = [
      { word: "so", punctuated_word: "So,", start: 0, end: 0.2, confidence: 0.9, speaker: "Speaker 1" },
      { word: "we", punctuated_word: "we", start: 0.3, end: 0.4, confidence: null },
      { word: "ship", punctuated_word: "ship.", start: 0.5, end: 0.9, confidence: 0.5, speaker: "Speaker 1" },
    ];
    const packed = packWords(words);
    expect(packed.speakers).toEqual(["Speaker 1"]);
    expect([...packed.speakerIndexes]).toEqual([0, -1, 0]);
    expect(packed.words).toBe("soweship");
    expect(packed.punctuated).toBe("So,weship.");
    expect(Number.isNaN(packed.confidences[1])).toBe(true);
  });

  it("are built on the event loop a slice at a time, pausing between slices", async () => {
    const words = Array.from({ length: 25_000 }, (_, index) => ({
      word: "a",
      punctuated_word: "a",
      start: index,
      end: index,
      confidence: null,
    }));
    let pauses = 0;
    const unpacked = await unpackWords(packWords(words), () => {
      pauses++;
      return Promise.resolve();
    });
    expect(pauses).toBe(2);
    expect(unpacked).toHaveLength(25_000);
  });
});
